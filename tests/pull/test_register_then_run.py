"""`register:` items and `use.cache` reads through a real fdpd where a process is the point: real
pyDataPipeline models run on what was pulled (a model needs the local registry over HTTP), and a
register source served over HTTP (downloaded over the network, as no remote's transport is)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import yaml

from tests.pull.configs import cache_config, register_config
from tests.pull.processes import Fdp, Remote, fdp, remote
from tests.run.conftest import make_project
from tests.sync.seed import add_product

__all__ = ["fdp", "remote"]


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
