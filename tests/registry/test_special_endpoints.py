"""Special routes of fdp's registry (the app in process, tests/inprocess.py): prov-report,
ro-crate, data_extraction, and the file routes `/data_product/<ns>:<name>@<version>` and
`/external_object/<alt>:<title>@<v>`.

The record graph is written straight into the registry's database before the app is made:

    gauge (hydro:flow/gauge@1.0.0) <- run 0 (upstream) ; run 1 reads gauge, writes mean
    stations (hydro:ext/stations@0.1.0): extracted from an external object (not primary)
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.inprocess import InProcessRegistry, registry_in_process
from tests.registry.records import RecordWriter

GAUGE = b"station,flow\nA,1.5\nB,2.5\n"
MEAN = b"station,mean\nA,1.5\n"


@dataclass(frozen=True)
class Graph:
    store: Path
    gauge: int
    mean: int
    stations: int
    escape: int
    run_upstream: int
    run_main: int
    external: int


def write_graph(database_url: str, store: Path) -> Graph:
    records = RecordWriter(database_url)
    root = f"file://{store}/"
    (store / "hydro/flow/gauge").mkdir(parents=True)
    (store / "hydro/flow/gauge/1.0.0.csv").write_bytes(GAUGE)
    mean_sha = hashlib.sha1(MEAN).hexdigest()
    (store / "hydro/flow/mean").mkdir(parents=True)
    (store / f"hydro/flow/mean/{mean_sha}.csv").write_bytes(MEAN)
    (store.parent / "outside.txt").write_text("secret")

    author = records.add(
        "author", name="Ana Example", identifier="https://orcid.org/0000-0002-1825-0097"
    )
    gauge_obj, gauge_comp = records.object(
        records.location(root, "hydro/flow/gauge/1.0.0.csv", hashlib.sha1(GAUGE).hexdigest()),
        "csv",
        "gauge readings",
        (author,),
    )
    gauge = records.data_product("hydro", "flow/gauge", "1.0.0", gauge_obj)
    mean_obj, mean_comp = records.object(
        records.location(root, f"/hydro/flow/mean/{mean_sha}.csv", mean_sha), "csv", "mean flow"
    )
    mean = records.data_product("hydro", "flow/mean", "0.1.0", mean_obj)
    script_obj, _ = records.object(records.location(root, "jobs/1/script.sh", "ab" * 20), "sh")
    config_obj, _ = records.object(records.location(root, "jobs/1/config.yaml", "cd" * 20), "yaml")
    repo_obj, _ = records.object(records.location("https://github.com/", "o/r", "ef" * 20))
    run_upstream = records.code_run("upstream import", script_obj, outputs=(gauge_comp,))
    run_main = records.code_run(
        "mean flow",
        script_obj,
        inputs=(gauge_comp,),
        outputs=(mean_comp,),
        model_config=config_obj,
        code_repo=repo_obj,
    )
    stations_obj, _ = records.object(
        records.location("https://files.example.org/", "x/stations.csv", "12" * 20), "csv"
    )
    stations = records.data_product("hydro", "ext/stations", "0.1.0", stations_obj)
    original = records.location("https://data.example.org/", "downloads/stations.csv", "34" * 20)
    external = records.add(
        "external_object",
        alternate_identifier="stations",
        alternate_identifier_type="download",
        primary_not_supplement=False,
        release_date=datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC),
        title="Station list",
        version="0.1.0",
        data_product_id=stations,
        original_store_id=original,
    )
    escape_obj, _ = records.object(records.location(root, "../outside.txt", "56" * 20), "txt")
    escape = records.data_product("hydro", "bad/escape", "1.0.0", escape_obj)
    missing_obj, _ = records.object(records.location(root, "hydro/missing.csv", "78" * 20), "csv")
    records.data_product("hydro", "gone", "1.0.0", missing_obj)
    records.add("key_value", key="accessibility", value="private", object_id=missing_obj)
    records.close()
    return Graph(store, gauge, mean, stations, escape, run_upstream, run_main, external)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessRegistry, Graph]]:
    workdir = tmp_path_factory.mktemp("special")
    database_url = f"sqlite:///{workdir / 'registry.db'}"
    graph = write_graph(database_url, workdir / "store")
    roots = (workdir / "store",)
    with registry_in_process(workdir, database_url=database_url, file_roots=roots) as registry:
        yield registry, graph


# --- prov-report -------------------------------------------------------------------------------


def _qname(name: str) -> dict[str, str]:
    """A qualified-name value in PROV-JSON, typed as the reference registry (prov 2) types it."""
    return {"$": name, "type": "prov:QUALIFIED_NAME"}


def test_prov_json_names_records_by_api_path(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    answer = registry.get(
        f"{registry.api}prov-report/{graph.mean}/", headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    doc = answer.json()
    assert list(doc["prefix"]) == ["lreg", "fair", "dcat", "dcmitype", "dcterms", "foaf", "rdf"]
    assert doc["prefix"]["lreg"] == registry.base_url + "/"
    assert doc["prefix"]["fair"] == "https://data.fairdatapipeline.org/vocab/#"
    mean_id = f"lreg:api/data_product/{graph.mean}"
    run_id = f"lreg:api/code_run/{graph.run_main}"
    assert mean_id in doc["entity"]
    assert f"lreg:api/data_product/{graph.gauge}" in doc["entity"]
    assert run_id in doc["activity"]
    generated = [(g["prov:entity"], g["prov:activity"]) for g in doc["wasGeneratedBy"].values()]
    assert generated == [(mean_id, run_id)]
    used = {u["prov:entity"] for u in doc["used"].values()}
    assert f"lreg:api/data_product/{graph.gauge}" in used
    assert doc["entity"][mean_id]["dcat:hasVersion"] == "0.1.0"


def test_prov_json_speaks_the_reference_vocabulary(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    doc = registry.get(f"{registry.api}prov-report/{graph.mean}/?format=json").json()
    mean = doc["entity"][f"lreg:api/data_product/{graph.mean}"]
    assert mean["rdf:type"] == _qname("dcat:Dataset")
    assert mean["dcterms:title"] == "flow/mean"
    assert mean["fair:namespace"] == "hydro"
    assert mean["dcterms:format"] == "csv"
    assert mean["prov:atLocation"].startswith(f"file://{graph.store}/hydro/flow/mean/")
    assert mean["dcterms:modified"]["type"] == "xsd:dateTime"
    assert not {"prov:type", "prov:label", "fair:storage_location"} & set(mean)
    run = doc["activity"][f"lreg:api/code_run/{graph.run_main}"]
    assert run["rdf:type"] == _qname("fair:Run")
    assert run["dcterms:description"] == "mean flow"
    roles = sorted(u["prov:role"]["$"] for u in doc["used"].values())
    assert roles == [
        "fair:input_data", "fair:model_configuration", "fair:software", "fair:submission_script"
    ]  # fmt: skip
    (start,) = doc["wasStartedBy"].values()
    assert start["prov:role"] == _qname("fair:code_runner")
    runner = doc["agent"][start["prov:trigger"]]
    assert runner == {"rdf:type": _qname("prov:Person"), "foaf:name": "User Not Found"}
    gauge = f"lreg:api/data_product/{graph.gauge}"
    (derived,) = doc["wasDerivedFrom"].values()
    assert (derived["prov:generatedEntity"], derived["prov:usedEntity"]) == (
        f"lreg:api/data_product/{graph.mean}",
        gauge,
    )
    assert "wasAssociatedWith" not in doc


def test_prov_of_an_external_objects_copy(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    doc = registry.get(f"{registry.api}prov-report/{graph.stations}/?format=json").json()
    external_id = f"lreg:api/external_object/{graph.external}"
    assert doc["entity"][external_id] == {
        "rdf:type": _qname("dcat:Dataset"),
        "dcterms:title": "Station list",
        "dcterms:issued": {"$": "2025-03-04T12:00:00+00:00", "type": "xsd:dateTime"},
        "dcat:hasVersion": "0.1.0",
        "fair:alternate_identifier": "stations",
        "fair:alternate_identifier_type": "download",
        "prov:atLocation": "https://data.example.org/downloads/stations.csv",
    }
    (specialisation,) = doc["specializationOf"].values()
    assert specialisation == {
        "prov:specificEntity": external_id,
        "prov:generalEntity": f"lreg:api/data_product/{graph.stations}",
    }


def test_prov_depth_follows_the_inputs_own_runs(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    url = f"{registry.api}prov-report/{graph.mean}/?format=json"
    shallow = registry.get(url).json()
    deep = registry.get(url + "&depth=2").json()
    upstream = f"lreg:api/code_run/{graph.run_upstream}"
    assert upstream not in shallow["activity"]
    assert upstream in deep["activity"]
    attributed = [(a["prov:entity"], a["prov:agent"]) for a in deep["wasAttributedTo"].values()]
    gauge = f"lreg:api/data_product/{graph.gauge}"
    assert [entity for entity, agent in attributed if agent.startswith("lreg:api/author/")] == [
        gauge
    ]
    roles = {a["prov:role"]["$"] for a in deep["wasAttributedTo"].values()}
    assert roles == {"dcterms:creator"}
    assert len(deep["wasStartedBy"]) == 2
    assert len(deep["agent"]) == 2  # the author, and the user who wrote both runs: once


@pytest.mark.parametrize(
    ("query", "accept", "marker"),
    [
        ("?format=provn", None, "document"),
        ("", "text/provenance-notation", "document"),
        ("?format=json-ld", None, "@context"),
        ("", "application/ld+json; version=1.0.0", "@context"),
        ("?format=xml", None, "<prov:document"),
        ("", "text/xml", "<prov:document"),
    ],
)
def test_prov_other_formats(
    served: tuple[InProcessRegistry, Graph], query: str, accept: str | None, marker: str
) -> None:
    registry, graph = served
    headers = {"Accept": accept} if accept else {}
    answer = registry.get(f"{registry.api}prov-report/{graph.mean}/{query}", headers=headers)
    assert answer.status_code == 200
    assert marker in answer.text
    assert f"api/code_run/{graph.run_main}" in answer.text


@pytest.mark.parametrize(
    ("query", "accept"),
    [("?format=jpg", None), ("?format=svg", None), ("", "image/jpeg"), ("", "image/svg+xml")],
)
def test_prov_unavailable_formats_are_406(
    served: tuple[InProcessRegistry, Graph], query: str, accept: str | None
) -> None:
    registry, graph = served
    headers = {"Accept": accept} if accept else {}
    answer = registry.get(f"{registry.api}prov-report/{graph.mean}/{query}", headers=headers)
    assert answer.status_code == 406
    assert "detail" in answer.json()


def test_prov_errors(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    missing = registry.get(f"{registry.api}prov-report/99999/?format=json")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "No DataProduct matches the given query."},
    )
    assert registry.get(f"{registry.api}prov-report/abc/").json() == {"detail": "Not found."}
    bad_version = registry.get(
        f"{registry.api}prov-report/{graph.mean}/",
        headers={"Accept": "application/json; version=2.0.0"},
    )
    assert bad_version.status_code == 406
    assert registry.get(f"{registry.api}prov-report/{graph.mean}?format=json").status_code == 200


@pytest.mark.parametrize("query", ["depth=x", "depth=0", "depth=-2", "attributes=False&dpi=x"])
def test_prov_parameters_read_as_the_reference_does(
    served: tuple[InProcessRegistry, Graph], query: str
) -> None:
    """A depth that is no integer of at least 1 means 1; `attributes`, `aspect_ratio` and `dpi`
    only shape images, so the document stays whole."""
    registry, graph = served
    url = f"{registry.api}prov-report/{graph.mean}/?format=json"
    answer = registry.get(f"{url}&{query}")
    assert answer.status_code == 200
    assert answer.json() == registry.get(url).json()


# --- ro-crate and data_extraction --------------------------------------------------------------


def test_ro_crate_of_a_data_product(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    crate = registry.get(f"{registry.api}ro-crate/data-product/{graph.mean}/").json()
    assert crate["@context"] == "https://w3id.org/ro/crate/1.1/context"
    by_id = {entity["@id"]: entity for entity in crate["@graph"]}
    assert by_id["ro-crate-metadata.json"]["about"] == {"@id": "./"}
    main = by_id[by_id["./"]["mainEntity"]["@id"]]
    assert main["name"] == "hydro:flow/mean@v0.1.0"
    assert main["sha1"] == hashlib.sha1(MEAN).hexdigest()
    actions = [e for e in crate["@graph"] if e["@type"] == "CreateAction"]
    assert [a["name"] for a in actions] == ["mean flow"]
    assert {"@id": main["@id"]} in actions[0]["result"]
    gauge_file = f"file://{graph.store}/hydro/flow/gauge/1.0.0.csv"
    assert {"@id": gauge_file} in actions[0]["object"]


def test_ro_crate_of_a_code_run_and_as_zip(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    url = f"{registry.api}ro-crate/code-run/{graph.run_main}"
    crate = registry.get(url).json()
    assert any(e.get("name") == "hydro:flow/gauge@v1.0.0" for e in crate["@graph"])
    zipped = registry.get(url + "/?format=zip")
    assert zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        assert json.loads(archive.read("ro-crate-metadata.json")) == crate
    assert registry.get(f"{registry.api}ro-crate/code-run/99999/").status_code == 404


def test_data_extraction(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    answer = registry.get(f"{registry.api}data_extraction/{graph.stations}/")
    assert answer.status_code == 200
    body = answer.json()
    base = registry.base_url
    assert list(body) == [
        "id",
        "name",
        "startTime",
        "description",
        "data_product",
        "external_product",
    ]
    assert body["id"] == f"{base}/api/data_extraction/{graph.stations}"
    assert body["external_product"] == f"{base}/api/external_object/{graph.external}"
    assert body["startTime"].endswith("+00:00")
    not_derived = registry.get(f"{registry.api}data_extraction/{graph.gauge}/")
    assert (not_derived.status_code, not_derived.json()) == (
        404,
        {"detail": "DataProduct was not derived from an external object"},
    )


# --- files ---------------------------------------------------------------------------------------


def test_data_product_file_is_streamed(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    answer = registry.get(f"{registry.base_url}/data_product/hydro:flow/gauge@1.0.0")
    assert (answer.status_code, answer.content) == (200, GAUGE)
    leading_slash = registry.get(f"{registry.base_url}/data_product/hydro:flow/mean@v0.1.0")
    assert leading_slash.content == MEAN
    root = registry.get(f"{registry.base_url}/data_product/hydro:flow/gauge@1.0.0?root")
    assert root.text == f"file://{graph.store}/"


def test_data_product_file_redirects_remote_roots(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, _ = served
    answer = registry.get(f"{registry.base_url}/data_product/hydro:ext/stations@0.1.0")
    assert answer.status_code == 302
    assert answer.headers["location"] == "https://files.example.org/x/stations.csv"


@pytest.mark.parametrize("spec", ["hydro:flow/gauge@9.9.9", "nons:flow/gauge@1.0.0", "no-colon"])
def test_data_product_file_absent_is_empty_404(
    served: tuple[InProcessRegistry, Graph], spec: str
) -> None:
    registry, _ = served
    answer = registry.get(f"{registry.base_url}/data_product/{spec}")
    assert (answer.status_code, answer.content) == (404, b"")


def test_a_private_missing_file_is_403_anonymously_and_404_with_a_token(
    served: tuple[InProcessRegistry, Graph],
) -> None:
    registry, _ = served
    url = f"{registry.base_url}/data_product/hydro:gone@1.0.0"
    assert registry.get(url).status_code == 403
    answer = registry.get(url, headers=registry.admin_headers())
    assert (answer.status_code, answer.content) == (404, b"")


def test_data_product_path_cannot_escape_its_root(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, _ = served
    answer = registry.get(f"{registry.base_url}/data_product/hydro:bad/escape@1.0.0")
    assert answer.status_code == 400
    assert b"secret" not in answer.content
    traversal = registry.get(f"{registry.base_url}/data_product/hydro:../../outside.txt@1.0.0")
    assert traversal.status_code == 404


def test_external_object_file(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, _ = served
    base = f"{registry.base_url}/external_object/stations:Station list@0.1.0"
    stored = registry.get(base)
    assert stored.status_code == 302
    assert stored.headers["location"] == "https://files.example.org/x/stations.csv"
    original = registry.get(base + "?original")
    assert original.headers["location"] == "https://data.example.org/downloads/stations.csv"
    assert registry.get(f"{registry.base_url}/external_object/x:y@1.0.0").status_code == 404


def test_record_links_lead_to_the_special_routes(served: tuple[InProcessRegistry, Graph]) -> None:
    registry, graph = served
    product = registry.get(f"{registry.api}data_product/{graph.mean}/").json()
    assert product["prov_report"] == f"{registry.api}prov-report/{graph.mean}/"
    prov = registry.get(product["prov_report"], headers={"Accept": "application/json"})
    assert f"lreg:api/data_product/{graph.mean}" in prov.json()["entity"]
    crate = registry.get(product["ro_crate"])
    assert crate.status_code == 200
    run = registry.get(f"{registry.api}code_run/{graph.run_main}/").json()
    assert (
        registry.get(run["ro_crate"]).json()["@context"] == "https://w3id.org/ro/crate/1.1/context"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/data_product/hy%00dro:flow/gauge@1.0.0",
        "/external_object/st%00ations:Station list@0.1.0",
        "/data/%00",
        "/data_product/hydro:flow%2F..%2F..%2Fgauge@1.0.0",
        "/api/prov-report/1%00/",
        "/api/prov-report/99999999999999999999999/",
    ],
)
def test_malformed_special_paths_are_4xx(
    served: tuple[InProcessRegistry, Graph], path: str
) -> None:
    registry, _ = served
    answer = registry.get(registry.base_url + path)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
