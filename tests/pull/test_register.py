"""`register:` items through a real fdpd: download, SHA-1, file in the data store, local records,
pull records that `run` and `generate` use, and what a failed download leaves (nothing)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import yaml

from tests.pull.conftest import Fdp, Remote
from tests.run.conftest import job_folders, make_project
from tests.sync.seed import add_product


def register_config(
    source: Path, *, namespace: str, name: str, version: str, extra: str = ""
) -> str:
    return f"""\
run_metadata:
  description: read the registered source
  script: python3 model.py
register:
  - namespace: {namespace}
    full_name: {namespace} agency
    website: https://{namespace}.example.org
  - external_object: {name}
    namespace_name: {namespace}
    root: file://{source.parent}/
    path: {source.name}
    title: Station metadata
    description: stations of {namespace}
    unique_name: {namespace} station metadata
    alternate_identifier_type: {namespace}_download
    file_type: csv
    version: "{version}"
    primary: true
{extra}"""


def test_register_then_run_reads_the_pulled_dated_version(fdp: Fdp, tmp_path: Path) -> None:
    source = tmp_path / "sources" / "stations.csv"
    source.parent.mkdir()
    source.write_bytes(b"station,river\n1,Tay\n")
    text = register_config(
        source, namespace="envagency", name="stations/metadata", version="0.${{DATE}}.0"
    )
    project = make_project(tmp_path / "project", {"config.yaml": text})

    result = fdp.pull(project / "config.yaml")

    version = f"0.{datetime.now():%Y%m%d}.0"
    by_item = {item["item"]: item for item in result["items"]}
    assert by_item[f"envagency:stations/metadata@{version}"]["status"] == "registered"
    assert by_item["namespace envagency"]["status"] == "registered"
    kept = fdp.store / "envagency" / "stations" / "metadata" / f"{version}.csv"
    assert kept.read_bytes() == source.read_bytes()
    assert not list(fdp.store.glob(".pull-*"))  # no temporary file left
    [product] = fdp.local("data_product", name="stations/metadata")
    assert product["version"] == version
    obj = fdp.local_get(product["object"])
    location = fdp.local_get(obj["storage_location"])
    root = fdp.local_get(location["storage_root"])
    assert location["hash"] == hashlib.sha1(source.read_bytes()).hexdigest()
    assert (
        root["root"] + location["path"]
        == f"file://{fdp.store}/envagency/stations/metadata/{version}.csv"
    )
    assert fdp.local_get(obj["file_type"])["extension"] == "csv"
    assert len(obj["authors"]) == 1
    [external] = fdp.local("external_object", title="Station metadata")
    assert external["data_product"] == product["url"]
    assert external["alternate_identifier"] == "envagency station metadata"
    original = fdp.local_get(external["original_store"])
    assert fdp.local_get(original["storage_root"])["root"] == f"file://{source.parent}/"
    [namespace] = fdp.local("namespace", name="envagency")
    assert namespace["full_name"] == "envagency agency"

    run = fdp.fdpctl("run", "config.yaml", cwd=project, env={"MODEL_READS": "stations/metadata"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "read stations/metadata: station,river" in run.stdout
    working = yaml.safe_load(fdp.ok("generate", "config.yaml", cwd=project))
    [read] = working["read"]
    assert read["use"] == {
        "data_product": "stations/metadata",
        "namespace": "envagency",
        "version": version,
    }


def test_bump_token_makes_a_new_version_only_for_a_new_file(fdp: Fdp, tmp_path: Path) -> None:
    source = tmp_path / "gauges.csv"
    source.write_bytes(b"gauge\n1\n")
    text = register_config(source, namespace="bumps", name="gauges", version="${{PATCH}}")
    project = make_project(tmp_path / "project", {"config.yaml": text})
    config = project / "config.yaml"

    first = fdp.pull(config)
    again = fdp.pull(config)
    source.write_bytes(b"gauge\n1\n2\n")
    changed = fdp.pull(config)

    assert "bumps:gauges@0.0.1" in [
        i["item"] for i in first["items"] if i["status"] == "registered"
    ]
    assert [i["status"] for i in again["items"] if i["item"].startswith("bumps:")] == ["present"]
    assert again["records_created"] == 0
    assert "bumps:gauges@0.0.2" in [
        i["item"] for i in changed["items"] if i["status"] == "registered"
    ]
    assert fdp.versions("bumps", "gauges") == ["0.0.1", "0.0.2"]
    assert (fdp.store / "bumps" / "gauges" / "0.0.1.csv").read_bytes() == b"gauge\n1\n"
    working = yaml.safe_load(fdp.ok("generate", "config.yaml", cwd=project))
    assert working["read"][0]["use"]["version"] == "0.0.2"  # the pull record of the last pull


def test_changed_file_under_an_explicit_version_is_refused(fdp: Fdp, tmp_path: Path) -> None:
    source = tmp_path / "levels.csv"
    source.write_bytes(b"level\n3\n")
    text = register_config(source, namespace="explicit", name="levels", version="1.0.0")
    config = make_project(tmp_path / "project", {"config.yaml": text}) / "config.yaml"
    fdp.pull(config)
    source.write_bytes(b"level\n4\n")

    status, events = fdp.stream("pull", str(config))

    assert status == 1
    [failed] = [i for i in events[-1]["result"]["items"] if i["status"] == "failed"]
    assert failed["item"] == "explicit:levels"
    assert "registered already with a different file" in failed["reason"]
    assert fdp.versions("explicit", "levels") == ["1.0.0"]
    assert (fdp.store / "explicit" / "levels" / "1.0.0.csv").read_bytes() == b"level\n3\n"
    assert not list(fdp.store.glob(".pull-*"))


def test_failed_download_leaves_nothing_behind(fdp: Fdp, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "gone.csv"
    text = register_config(missing, namespace="ghost", name="gone", version="1.0.0")
    config = make_project(tmp_path / "project", {"config.yaml": text}) / "config.yaml"
    jobs = job_folders(fdp.store)

    result = fdp.fdpctl("pull", str(config))

    assert result.returncode == 1
    assert "ghost:gone" in result.stderr and "register source" in result.stderr
    assert "gone.csv does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    assert fdp.versions("ghost", "gone") == []
    assert not (fdp.store / "ghost" / "gone").exists()
    assert not list(fdp.store.glob(".pull-*"))
    assert job_folders(fdp.store) == jobs
    generate = fdp.fdpctl("generate", "config.yaml", cwd=config.parent)
    assert generate.returncode == 1 and "fdpctl pull" in generate.stderr


def test_register_data_products_from_http_and_an_absolute_path(
    fdp: Fdp, remote: Remote, tmp_path: Path
) -> None:
    served = b"served over http\n"
    seeder = remote.seeder("bob")
    sha1 = seeder.upload(served)
    root = f"{remote.registry.base_url}/data/"
    # the remote serves GET /data/<sha1> for files a public record points at
    add_product(seeder, namespace="served", name="t", version="1.0.0", content=served, root=root)
    local_file = tmp_path / "plain.txt"
    local_file.write_bytes(b"plain file\n")
    text = f"""\
run_metadata:
  description: register data products
register:
  - data_product: web/table
    namespace_name: sources
    root: {remote.registry.base_url}/data/
    path: {sha1}
    file_type: csv
    version: "1.0.0"
  - data_product: disk/notes
    namespace_name: sources
    root: {local_file.parent}/
    path: {local_file.name}
    file_type: txt
    version: "${{{{MINOR}}}}"
"""
    config = make_project(tmp_path / "project", {"config.yaml": text}) / "config.yaml"

    result = fdp.pull(config)

    assert sorted((i["item"], i["status"]) for i in result["items"]) == [
        ("sources:disk/notes@0.1.0", "registered"),
        ("sources:web/table@1.0.0", "registered"),
    ]
    assert (fdp.store / "sources" / "web" / "table" / "1.0.0.csv").read_bytes() == served
    assert (fdp.store / "sources" / "disk" / "notes" / "0.1.0.txt").read_bytes() == b"plain file\n"
    assert result["files_downloaded"] == 2
    assert result["bytes_downloaded"] == len(served) + len(b"plain file\n")
    assert fdp.local("external_object", title="web/table") == []  # a data_product item has none


def cache_config(cache: str, version: str | None, namespace: str = "mine") -> str:
    version_line = f'    version: "{version}"\n' if version else ""
    return f"""\
run_metadata:
  description: read a local file through use.cache
  script: python3 model.py
read:
  - data_product: cached/table
    namespace: {namespace}
{version_line}    use:
      cache: {cache}
"""


def test_a_use_cache_read_is_registered_under_its_exact_version(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "project", {"config.yaml": cache_config("data/t.csv", "2.0.0")}
    )
    cached = project / "data" / "t.csv"
    cached.parent.mkdir()
    cached.write_bytes(b"site,count\nA,3\n")
    config = project / "config.yaml"

    first = fdp.pull(config)
    again = fdp.pull(config)

    assert [(i["item"], i["status"]) for i in first["items"]] == [
        ("mine:cached/table@2.0.0", "registered")
    ]
    assert [(i["item"], i["status"]) for i in again["items"]] == [
        ("mine:cached/table@2.0.0", "present")
    ]
    kept = fdp.store / "mine" / "cached" / "table" / "2.0.0.csv"
    assert kept.read_bytes() == cached.read_bytes()
    assert fdp.versions("mine", "cached/table") == ["2.0.0"]
    working = yaml.safe_load(fdp.ok("generate", "config.yaml", cwd=project))
    [read] = working["read"]
    assert read["use"] == {"data_product": "cached/table", "namespace": "mine", "version": "2.0.0"}
    run = fdp.fdpctl("run", "config.yaml", cwd=project, env={"MODEL_READS": "cached/table"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "read cached/table: site,count" in run.stdout


def test_a_use_cache_read_without_an_exact_version_is_refused(fdp: Fdp, tmp_path: Path) -> None:
    cached = tmp_path / "t.csv"
    cached.write_bytes(b"x\n1\n")
    project = make_project(
        tmp_path / "project", {"config.yaml": cache_config(str(cached), None, "unversioned")}
    )

    result = fdp.fdpctl("pull", str(project / "config.yaml"))

    assert result.returncode == 1
    assert "config.yaml:8:14: read[0].use.cache" in result.stderr
    assert "use.cache needs an exact version" in result.stderr
    assert "Traceback" not in result.stderr
    assert fdp.versions("unversioned", "cached/table") == []
