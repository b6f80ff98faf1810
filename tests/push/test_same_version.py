"""A data product the remote already holds at the same version, pushed from a machine whose
journal never saw it (ana's laptop pushed it, ana's HPC account made it again), with real fdpd,
pyDataPipeline runs and a real shared remote registry: the same file is the same thing and
maps to the remote's records, creating none twice; another file is a conflict that names both
SHA-1s and says what to do, before any record of that product is created."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.push.processes import (
    ACCEPT,
    Remote,
    Site,
    fdp_site,
    remote,
    remote_registry,
    write_config,
)

__all__ = ["remote"]  # the real fdpd and shared registry (tests/push/processes.py)


@dataclass
class Machines:
    remote: Remote
    laptop: Site
    hpc: Site


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machines]:
    with (
        remote_registry(tmp_path_factory.mktemp("same-version")) as remote,
        fdp_site("ana") as laptop,
        fdp_site("ana") as hpc,
    ):
        for site in (laptop, hpc):
            site.add_remote(remote)
        yield Machines(remote, laptop, hpc)


def run_and_push(site: Site, name: str, value: str) -> tuple[int, dict[str, Any]]:
    project = site.root / name.replace("/", "-")
    if not project.exists():
        site.project(project.name, {"config.yaml": write_config(name)})
    job = site.run_model(project, "config.yaml", MODEL_WRITES=name, MODEL_VALUE=value)
    assert job["exit_status"] == 0, job["output"]
    site.ok("commit", job["id"])
    status, final, _ = site.stream_result("push")
    return status, final.get("result") or final.get("error") or {}


def objects_naming(remote: Remote, sha1: str) -> list[str]:
    locations = {r["url"] for r in remote.records("storage_location", hash=sha1)}
    return [o["url"] for o in remote.records("object") if o["storage_location"] in locations]


def output_sha1(site: Site, name: str) -> str:
    [path] = (site.store / "ana" / name).glob("*.csv")
    return hashlib.sha1(path.read_bytes()).hexdigest()


def test_the_same_file_at_a_version_the_remote_has_maps_to_its_records(
    machines: Machines,
) -> None:
    remote = machines.remote
    status, first = run_and_push(machines.laptop, "same/out", "1")
    assert status == 0, first
    sha1 = output_sha1(machines.laptop, "same/out")
    [product] = remote.records("data_product", name="same/out")

    status, again = run_and_push(machines.hpc, "same/out", "1")

    assert status == 0, [i.get("reason") for i in again["items"]]
    assert {i["item"]: i["status"] for i in again["items"]}["ana:same/out@0.0.1"] == "pushed"
    assert remote.records("data_product", name="same/out") == [product]
    assert objects_naming(remote, sha1) == [product["object"]]  # not made a second time
    assert len(remote.records("code_run")) == 2  # the HPC run is a run of its own


def test_another_file_at_a_version_the_remote_has_names_both_sha1s(machines: Machines) -> None:
    remote = machines.remote
    status, first = run_and_push(machines.laptop, "same/diff", "1")
    assert status == 0, first
    there = output_sha1(machines.laptop, "same/diff")

    status, refused = run_and_push(machines.hpc, "same/diff", "2")

    here = output_sha1(machines.hpc, "same/diff")
    assert status == 1, refused
    [item] = [i for i in refused["items"] if i["item"] == "ana:same/diff@0.0.1"]
    assert item["status"] == "failed"
    reason = item["reason"]
    assert "already has data product ana:same/diff@0.0.1 with different content" in reason
    assert there in reason and here in reason, reason
    assert not objects_naming(remote, here)  # nothing was made for the refused product
    [product] = remote.records("data_product", name="same/diff")
    assert httpx.get(product["object"], headers=ACCEPT).status_code == 200
