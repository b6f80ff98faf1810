"""fdp's prov-report says what the reference registry's says, in every format both answer.

The same small graph is written through the REST API of a real reference registry
(FAIRDataPipeline/data-registry, skipped when it is not set up; one per module, its reports asked
once) and of fdp's registry (the app in process, on SQLite and on PostgreSQL):

    gauge (hydro:flow/gauge@1.0.0, by Ana, an external object's copy) <- run "upstream"
    run "mean-flow" (repo release by Bo, config, script) reads gauge, writes mean
    mean and mean-alias share one object (by Ana and Bo) whose component has an issue

The documents are compared whole after naming each record by its role in the graph instead of
its id, and the registries' URLs and the records' modification times by placeholders. Where
the reference is odd and fdp is not, the normalisation says so.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx
import pytest
from prov.model import ProvDocument

from fdpregistry.prov_formats import prov_json
from tests.reference_registry import reference_registry, reference_settings
from tests.registry.conftest import RegistryClient

ACCEPT = "application/json; version=1.0.0"
ROOT = "https://store.example.org/data/"
MODIFIED = "<modified>"
ANA = "lreg:api/author/ana"
MEAN = "lreg:api/data_product/mean-product"
ISSUE = "Provisional readings"
ORCID = "https://orcid.org/0000-0002-1825-0097"
WEBSITE = "https://example.org/flowmodel"
UPSTREAM_DATE, RUN_DATE = "2025-03-01T10:00:00Z", "2025-03-05T14:07:00Z"
_RECORD = re.compile(r"(?:lreg:|https?://127\.0\.0\.1:\d+/)api/([a-z_]+)/(\d+)")
_ISSUE = re.compile(r"ID: (\d+)$")


@dataclass
class Side:
    """One registry: its client and what each record id stands for in the graph."""

    api: str
    client: httpx.Client
    auth: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)

    def create(self, kind: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(f"{self.api}{kind}/", json=body)
        assert answer.status_code == 201, (kind, body, answer.text)
        record: dict[str, Any] = answer.json()
        self.names[f"{kind}/{_id(record['url'])}"] = name
        return record

    def report(self, product: str, query: str, accept: str = "*/*") -> httpx.Response:
        """GET the prov-report of the product called `product`."""
        (key,) = [k for k, v in self.names.items() if v == product and k.startswith("data_")]
        headers = self.auth | {"Accept": accept}
        url = f"{self.api}prov-report/{key.split('/')[1]}/{query}"
        answer = self.client.get(url, headers=headers)
        assert answer.status_code == 200, (url, answer.text)
        return answer


def _id(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def build_graph(side: Side) -> None:
    ns = side.create("namespace", "ns", {"name": "hydro"})
    ana = side.create("author", "ana", {"name": "Ana Example", "identifier": ORCID})
    bo = side.create("author", "bo", {"name": "Bo Coder"})
    root = side.create("storage_root", "root", {"root": ROOT, "local": False})
    csv = side.create("file_type", "csv", {"name": "CSV file", "extension": "csv"})

    def location(name: str, path: str) -> str:
        body = {"path": path, "hash": f"{len(side.names):040x}", "storage_root": root["url"]}
        return str(side.create("storage_location", name, body)["url"])

    def obj(name: str, path: str, authors: list[dict[str, Any]], **more: str) -> dict[str, Any]:
        body = {"storage_location": location(f"{name}-location", path)}
        body |= {"authors": [author["url"] for author in authors]}
        return side.create("object", name, body | more)

    def product(name: str, data_product: str, version: str, of: dict[str, Any]) -> str:
        body = {"name": data_product, "version": version, "object": of["url"]}
        return str(side.create("data_product", name, body | {"namespace": ns["url"]})["url"])

    def code_run(name: str, date: str, script: dict[str, Any], **parts: Any) -> None:
        body = {"run_date": date, "description": name, "submission_script": script["url"]}
        side.create("code_run", name, body | {"inputs": [], "outputs": []} | parts)

    gauge = obj("gauge", "hydro/gauge.csv", [ana], description="readings", file_type=csv["url"])
    side.create(
        "external_object",
        "external",
        {"data_product": product("gauge-product", "flow/gauge", "1.0.0", gauge),
         "title": "Gauges", "version": "1.0.0", "release_date": "2025-03-04T12:00:00Z",
         "primary_not_supplement": True, "alternate_identifier": "gauges",
         "alternate_identifier_type": "download", "description": "downloaded",
         "original_store": location("original", "/orig/g.csv")},
    )  # fmt: skip
    mean = obj("mean", "hydro/mean.csv", [ana, bo], description="mean", file_type=csv["url"])
    product("mean-product", "flow/mean", "0.1.0", mean)
    product("alias-product", "flow/mean-alias", "0.2.0", mean)
    issue = {"severity": 3, "description": ISSUE, "component_issues": mean["components"]}
    side.create("issue", "issue", issue)
    repo = obj("repo", "o/r", [bo])
    side.create(
        "code_repo_release",
        "release",
        {"name": "flowmodel", "version": "0.3.0", "object": repo["url"], "website": WEBSITE},
    )
    upstream_script = obj("upstream-script", "jobs/0/script.sh", [ana])
    code_run("upstream", UPSTREAM_DATE, upstream_script, outputs=gauge["components"])
    code_run(
        "mean-flow",
        RUN_DATE,
        obj("script", "jobs/1/script.sh", []),
        model_config=obj("config", "jobs/1/config.yaml", [], description="config")["url"],
        code_repo=repo["url"],
        inputs=gauge["components"],
        outputs=mean["components"],
    )
    users = side.client.get(f"{side.api}users/").json()["results"]
    (admin,) = [user for user in users if user["username"] == "admin"]
    side.names[f"users/{_id(admin['url'])}"] = "admin"


def link_admin_to_bo(side: Side) -> None:
    """Code runs by admin are then started by Bo (an author) instead of the user."""
    (bo,) = [key for key, name in side.names.items() if name == "bo"]
    (admin,) = [key for key, name in side.names.items() if name == "admin"]
    body = {"user": f"{side.api}{admin}/", "author": f"{side.api}{bo}/"}
    side.create("user_author", "admin-is-bo", body)


# What the tests ask the reference for: (query, Accept) of each report of the mean product.
REFERENCE_REPORTS = [
    ("?format=json", "application/json"),
    ("?format=json&depth=2", "application/json"),
    ("?depth=0", "application/json"),
    ("?format=json", "*/*"),
    ("?format=provn", "*/*"),
    ("?format=xml", "*/*"),
    ("?format=json-ld", "*/*"),
]


@dataclass
class Reference:
    """The reference registry's reports of the graph, asked once for the module before and after
    `link_admin_to_bo` (its process is stopped then); `linked` says which a test compares with."""

    names: dict[str, str]
    reports: dict[tuple[bool, str, str], httpx.Response]
    linked: bool = False

    def report(self, product: str, query: str, accept: str = "*/*") -> httpx.Response:
        assert product == "mean-product", product  # the one product the reports were asked of
        return self.reports[(self.linked, query, accept)]


Named = Side | Reference  # what names each record id


@dataclass(frozen=True)
class Pair:
    reference: Reference
    fdp: Side


@pytest.fixture(scope="module")
def reference() -> Reference:
    """A fresh reference registry with the graph: its reports, before and after the link."""
    reference_settings()  # skips without a reference registry
    with (
        reference_registry() as ref,
        httpx.Client(headers=ref.headers, timeout=60) as client,
    ):
        side = Side(ref.api_url, client, {"Authorization": f"token {ref.token}"})
        build_graph(side)
        reports = {}
        for linked in (False, True):
            if linked:
                link_admin_to_bo(side)
            for query, accept in REFERENCE_REPORTS:
                reports[(linked, query, accept)] = side.report("mean-product", query, accept)
        return Reference(side.names, reports)


@pytest.fixture(scope="module")
def pair(reference: Reference, registry: RegistryClient) -> Pair:
    """The reference's reports and fdp's registry (in process, on SQLite or PostgreSQL) with the
    same graph."""
    auth = {"Authorization": f"token {registry.admin_token}"}
    fdp = Side(registry.base + "/api/", registry.admin, auth)
    build_graph(fdp)
    return Pair(replace(reference, linked=False), fdp)


# --- normalisation -----------------------------------------------------------------------------


def named(text: str, side: Named) -> str:
    """Record ids and URLs replaced by the records' names in the graph."""

    def name(match: re.Match[str]) -> str:
        return f"lreg:api/{match[1]}/{side.names[f'{match[1]}/{match[2]}']}"

    text = _RECORD.sub(name, text)
    return _ISSUE.sub(lambda m: f"ID: {side.names[f'issue/{m[1]}']}", text)


def normalised(value: Any, side: Named) -> Any:
    """JSON with names for ids, placeholders for modification times, lists sorted."""
    if isinstance(value, str):
        return named(value, side)
    if isinstance(value, list):
        items = [normalised(item, side) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if not isinstance(value, dict):
        return value
    return {key: _modified(item) if key == "dcterms:modified" else normalised(item, side)
            for key, item in value.items()}  # fmt: skip


def _modified(value: Any) -> str:
    text = value["$"] if "$" in value else value["@value"]
    assert datetime.fromisoformat(text).tzinfo is not None, text
    return MODIFIED


def prov_json_form(document: dict[str, Any], side: Named) -> dict[str, Any]:
    """PROV-JSON: relation ids dropped (each kind a sorted list), prefixes compared apart."""
    result: dict[str, Any] = {}
    for kind, records in document.items():
        if kind == "prefix":
            result[kind] = {p: "<registry>" if p == "lreg" else uri for p, uri in records.items()}
        elif kind in ("entity", "activity", "agent"):
            result[kind] = {named(ident, side): _single(normalised(record, side))
                            for ident, record in records.items()}  # fmt: skip
        else:
            result[kind] = normalised(list(records.values()), side)
    return result


def _single(record: Any) -> Any:
    """The reference adds a run's user agent once per level (PROV-JSON then lists the copies);
    fdp records each agent once."""
    if isinstance(record, list) and all(copy == record[0] for copy in record):
        return record[0]
    return record


def jsonld_form(document: dict[str, Any], side: Named, *, drop_agent: bool) -> dict[str, Any]:
    """JSON-LD with each blank (qualified-relation) node written out where it is referenced.

    `drop_agent`: the reference's (prov 2's) Attribution nodes lack their `prov:agent`."""
    nodes = {node["@id"]: node for node in document["@graph"]}
    blank = {ident: node for ident, node in nodes.items() if ident.startswith("_:")}

    def inline(value: Any) -> Any:
        if isinstance(value, list):
            return [inline(item) for item in value]
        if isinstance(value, dict) and value.get("@id") in blank:
            node = {k: v for k, v in blank[value["@id"]].items() if k != "@id"}
            if drop_agent and node["@type"] == "prov:Attribution":
                node.pop("prov:agent")
            return node
        return value

    graph = {named(ident, side): normalised({k: inline(v) for k, v in node.items()}, side)
             for ident, node in nodes.items() if ident not in blank}  # fmt: skip
    return {"@context": document["@context"], "@graph": graph}


def xml_form(text: bytes, side: Named) -> list[Any]:
    """PROV-XML records, each as (tag, attributes, sorted children), sorted."""
    root = ET.fromstring(text)
    records = [_xml_element(element, side) for element in root]
    return sorted(records, key=lambda record: json.dumps(record))


def _xml_element(element: ET.Element, side: Named) -> list[Any]:
    attributes = {key: named(value, side) for key, value in element.attrib.items()}
    text = named((element.text or "").strip(), side)
    if element.tag == "{http://purl.org/dc/terms/}modified":
        text = MODIFIED
    children = sorted((_xml_element(child, side) for child in element), key=json.dumps)
    return [element.tag, attributes, text, children]


# --- the comparisons ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["?format=json", "?format=json&depth=2", "?depth=0"])
def test_prov_json_matches_the_reference(pair: Pair, query: str) -> None:
    ref = pair.reference.report("mean-product", query, accept="application/json").json()
    ours = pair.fdp.report("mean-product", query, accept="application/json").json()
    assert list(ours["prefix"]) == list(ref["prefix"])
    assert list(ours) == list(ref)  # record kinds in the same order
    assert prov_json_form(ours, pair.fdp) == prov_json_form(ref, pair.reference)


def test_prov_json_vocabulary(pair: Pair) -> None:
    """What tools written for the reference look for, spelled out."""
    doc = prov_json_form(pair.fdp.report("mean-product", "?format=json").json(), pair.fdp)
    qname = "prov:QUALIFIED_NAME"
    mean = doc["entity"][MEAN]
    assert mean["rdf:type"] == {"$": "dcat:Dataset", "type": qname}
    assert mean["dcterms:title"] == ["flow/mean", "flow/mean-alias"]
    assert mean["prov:atLocation"] == f"{ROOT}hydro/mean.csv"
    assert mean["dcterms:modified"] == MODIFIED
    assert mean["fair:issue"] == "Provisional readings severity: 3 ID: issue"
    assert doc["agent"][ANA]["dcterms:identifier"] == ORCID
    creator = {"$": "dcterms:creator", "type": qname}
    attribution = {"prov:entity": MEAN, "prov:agent": ANA, "prov:role": creator}
    assert attribution in doc["wasAttributedTo"]
    run = doc["activity"]["lreg:api/code_run/mean-flow"]
    assert run["rdf:type"] == {"$": "fair:Run", "type": qname}
    assert run["prov:startTime"] == "2025-03-05T14:07:00+00:00"
    roles = {use["prov:role"]["$"] for use in doc["used"]}
    assert roles == {"fair:software", "fair:model_configuration", "fair:submission_script",
                     "fair:input_data"}  # fmt: skip
    assert [start["prov:role"]["$"] for start in doc["wasStartedBy"]] == ["fair:code_runner"]
    assert "wasAssociatedWith" not in doc


def test_run_started_by_the_users_author(pair: Pair) -> None:
    if not any(name == "admin-is-bo" for name in pair.fdp.names.values()):
        link_admin_to_bo(pair.fdp)
    pair.reference.linked = True  # the later tests of this registry compare linked graphs
    ref = pair.reference.report("mean-product", "?format=json").json()
    ours = pair.fdp.report("mean-product", "?format=json").json()
    assert prov_json_form(ours, pair.fdp) == prov_json_form(ref, pair.reference)
    (start,) = prov_json_form(ours, pair.fdp)["wasStartedBy"]
    assert start["prov:trigger"] == "lreg:api/author/bo"


def test_prov_n_says_the_same(pair: Pair) -> None:
    """Both PROV-N texts, read back, are the same document (and the same as fdp's PROV-JSON)."""
    forms = []
    for side in (pair.reference, pair.fdp):
        answer = side.report("mean-product", "?format=provn")
        assert answer.headers["content-type"].startswith("text/provenance-notation")
        document = ProvDocument.deserialize(content=answer.text, format="provn")
        forms.append(prov_json_form(prov_json(document), side))
    assert forms[1] == forms[0]
    direct = prov_json_form(pair.fdp.report("mean-product", "?format=json").json(), pair.fdp)
    assert forms[1] == direct


def test_prov_xml_matches_the_reference(pair: Pair) -> None:
    ref = pair.reference.report("mean-product", "?format=xml")
    ours = pair.fdp.report("mean-product", "?format=xml")
    assert ours.headers["content-type"].startswith("text/xml")
    assert ours.content.startswith(b"<?xml version='1.0' encoding='ASCII'?>")
    assert xml_form(ours.content, pair.fdp) == xml_form(ref.content, pair.reference)


def test_jsonld_matches_the_reference(pair: Pair) -> None:
    ref = pair.reference.report("mean-product", "?format=json-ld").json()
    ours = pair.fdp.report("mean-product", "", accept="application/ld+json").json()
    assert jsonld_form(ours, pair.fdp, drop_agent=True) == jsonld_form(
        ref, pair.reference, drop_agent=False
    )
    graph = jsonld_form(ours, pair.fdp, drop_agent=False)["@graph"]
    mean = graph[MEAN]
    assert mean["@type"] == ["dcat:Dataset", "prov:Entity"]
    agents = {a["prov:agent"]["@id"] for a in mean["prov:qualifiedAttribution"]}
    assert agents == {"lreg:api/author/ana", "lreg:api/author/bo"}
