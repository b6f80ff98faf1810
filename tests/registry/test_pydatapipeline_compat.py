"""The compatibility proof: the real pyDataPipeline (data-pipeline-api 0.9.1) runs a model against
a real `fdpd registry serve` process, unchanged.

The registry is provisioned as docs/language-api-contract.md requires (admin user with a token, an
author, user_author {admin, author}, a namespace, a registered input CSV on disk with its SHA-1),
a job folder with a hand-written working config is built (tests/pdp_job.py), and a model script
runs in a subprocess with the contract's environment: it reads the CSV, writes two outputs,
raises an issue and finalises. The registry is then checked record by record.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pdp_job import (
    PdpJob,
    ReadItem,
    RunMetadata,
    WriteItem,
    make_job,
    python_command,
    store_prefix,
)
from tests.registry.running_registry import RunningRegistry, running_registry

GAUGE_CSV = "station,flow\nA,1.5\nA,2.5\nB,4.0\n"
ISSUE = "Means use provisional gauge readings"

MODEL = """\
import csv
import os
from collections import defaultdict

import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])

flows = defaultdict(list)
with open(pipeline.link_read(handle, "gauge"), newline="") as f:
    for row in csv.DictReader(f):
        flows[row["station"]].append(float(row["flow"]))

with open(pipeline.link_write(handle, "flow/station-mean"), "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["station", "mean_flow"])
    for station, values in sorted(flows.items()):
        out.writerow([station, sum(values) / len(values)])

with open(pipeline.link_write(handle, "flow/station-max"), "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["station", "max_flow"])
    for station, values in sorted(flows.items()):
        out.writerow([station, max(values)])

pipeline.raise_issue_by_data_product(
    handle, "flow/station-mean", "0.0.1", "ana", "Means use provisional gauge readings", 4
)
pipeline.finalise(token, handle)
"""


class Api:
    """A tiny REST client for assertions and provisioning (the admin token on every call)."""

    def __init__(self, registry: RunningRegistry) -> None:
        self.base_url = registry.base_url
        self.client = httpx.Client(
            base_url=registry.api,
            headers={**registry.admin_headers(), "Accept": "application/json; version=1.0.0"},
            timeout=30,
        )

    def post(self, table: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(f"{table}/", json=body)
        assert answer.status_code == 201, (
            f"POST {table}/ {body} -> {answer.status_code} {answer.text}"
        )
        return dict(answer.json())

    def list(self, table: str, **query: str) -> list[dict[str, Any]]:
        answer = self.client.get(f"{table}/", params=query)
        assert answer.status_code == 200, f"GET {table}/ {query} -> {answer.text}"
        return list(answer.json()["results"])

    def one(self, table: str, **query: str) -> dict[str, Any]:
        results = self.list(table, **query)
        assert len(results) == 1, f"{table} {query}: {results}"
        return results[0]

    def follow(self, link: str) -> dict[str, Any]:
        answer = self.client.get(link)
        assert answer.status_code == 200, f"GET {link} -> {answer.text}"
        return dict(answer.json())


@dataclass(frozen=True)
class Provisioned:
    author_url: str
    gauge_component_url: str


def set_active_author(api: Api, author: str) -> None:
    """user_author {admin, author}, the way fdpd sets it."""
    active = api.client.put(f"{api.base_url}/fdp/active-author", json={"author": author})
    assert active.status_code == 200, active.text


def provision(
    api: Api, store: Path, link_admin: Callable[[Api, str], None] = set_active_author
) -> Provisioned:
    """What fdp guarantees before a job starts (docs/language-api-contract.md)."""
    author = api.post("author", {"name": "Ana Example"})
    link_admin(api, author["url"])
    namespace = api.post("namespace", {"name": "hydro"})
    gauge_file = store / "hydro" / "flow" / "gauge" / "1.0.0.csv"
    gauge_file.parent.mkdir(parents=True)
    gauge_file.write_text(GAUGE_CSV)
    root = api.post("storage_root", {"root": f"file://{store_prefix(store)}", "local": True})
    location = api.post(
        "storage_location",
        {
            "path": "hydro/flow/gauge/1.0.0.csv",
            "hash": hashlib.sha1(GAUGE_CSV.encode()).hexdigest(),
            "public": True,
            "storage_root": root["url"],
        },
    )
    file_type = api.post("file_type", {"name": "csv", "extension": "csv"})
    obj = api.post(
        "object",
        {
            "description": "gauge readings",
            "storage_location": location["url"],
            "authors": [author["url"]],
            "file_type": file_type["url"],
        },
    )
    api.post(
        "data_product",
        {
            "name": "flow/gauge",
            "version": "1.0.0",
            "object": obj["url"],
            "namespace": namespace["url"],
        },
    )
    return Provisioned(author["url"], obj["components"][0])


def build_job(tmp_path: Path, store: Path, registry_url: str) -> PdpJob:
    repo = tmp_path / "model-repo"
    repo.mkdir()
    (repo / "station_stats.py").write_text(MODEL)
    meta = RunMetadata(
        description="Station flow statistics",
        local_data_registry_url=registry_url,
        default_input_namespace="hydro",
        default_output_namespace="ana",
        local_repo=repo,
    )
    reads = [ReadItem("gauge", "flow/gauge", "hydro", "1.0.0")]
    writes = [
        WriteItem("flow/station-mean", "Mean flow per station", "csv", "ana", "0.0.1"),
        WriteItem("flow/station-max", "Max flow per station", "csv", "ana", "0.0.1"),
    ]
    return make_job(store, meta, python_command(repo / "station_stats.py"), reads, writes)


def run_job(job: PdpJob, token: str) -> None:
    completed = subprocess.run(
        ["sh", "-e", str(job.script_path)],
        cwd=job.local_repo,
        env=job.environment(token),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=120,
    )
    output = completed.stdout.decode(errors="replace")
    assert completed.returncode == 0, f"model script failed:\n{output}"


def local_file(api: Api, location_url: str) -> tuple[Path, dict[str, Any]]:
    location = api.follow(location_url)
    root = api.follow(location["storage_root"])["root"]
    return Path(root.removeprefix("file://")) / location["path"].lstrip("/"), location


def check_registry(api: Api, job: PdpJob, provisioned: Provisioned) -> None:
    uuids = job.coderun_uuids()
    assert len(uuids) == 1
    run = api.one("code_run", uuid=uuids[0])
    assert run["description"] == "Station flow statistics"
    assert run["inputs"] == [provisioned.gauge_component_url]
    assert len(run["outputs"]) == 2

    config = api.follow(run["model_config"])
    config_path, config_location = local_file(api, config["storage_location"])
    assert config_path == job.config_path
    assert config_location["hash"] == hashlib.sha1(job.config_path.read_bytes()).hexdigest()
    script = api.follow(run["submission_script"])
    _, script_location = local_file(api, script["storage_location"])
    assert script_location["hash"] == hashlib.sha1(job.script_path.read_bytes()).hexdigest()
    assert config["authors"] == [provisioned.author_url]

    ana = api.one("namespace", name="ana")
    outputs = {}
    for name in ("flow/station-mean", "flow/station-max"):
        namespace_id = ana["url"].rstrip("/").rsplit("/", 1)[-1]
        product = api.one("data_product", name=name, version="0.0.1", namespace=namespace_id)
        obj = api.follow(product["object"])
        assert obj["authors"] == [provisioned.author_url]
        path, location = local_file(api, obj["storage_location"])
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        assert location["hash"] == digest
        assert location["path"] == f"ana/{name}/{digest}.csv"
        (component,) = obj["components"]
        outputs[name] = component
    assert sorted(run["outputs"]) == sorted(outputs.values())
    mean_file = job.store / "ana" / "flow" / "station-mean"
    (mean_csv,) = mean_file.glob("*.csv")
    assert mean_csv.read_text().splitlines() == ["station,mean_flow", "A,2.0", "B,4.0"]

    product = api.one("data_product", name="flow/station-mean", version="0.0.1")
    prov = api.client.get(product["prov_report"], headers={"Accept": "application/json"}).json()
    run_id = "lreg:api/code_run/" + run["url"].rstrip("/").rsplit("/", 1)[-1]
    assert run_id in prov["activity"]
    assert sum(g["prov:activity"] == run_id for g in prov["wasGeneratedBy"].values()) == 1
    (start,) = prov["wasStartedBy"].values()  # by admin's author (user_author), as a runner
    author_id = provisioned.author_url.rstrip("/").rsplit("/", 1)[-1]
    assert start["prov:trigger"] == f"lreg:api/author/{author_id}"
    assert start["prov:role"] == {"$": "fair:code_runner", "type": "prov:QUALIFIED_NAME"}
    product_id = "lreg:api/data_product/" + product["url"].rstrip("/").rsplit("/", 1)[-1]
    assert prov["entity"][product_id]["fair:issue"].startswith(f"{ISSUE} severity: 4 ID: ")

    issue = api.one("issue", description=ISSUE)
    assert issue["severity"] == 4
    assert issue["component_issues"] == [outputs["flow/station-mean"]]


def run_compatibility_proof(registry: RunningRegistry, tmp_path: Path, registry_url: str) -> None:
    store = tmp_path / "store"
    store.mkdir()
    api = Api(registry)
    with api.client:
        provisioned = provision(api, store)
        job = build_job(tmp_path, store, registry_url)
        assert registry.admin_token is not None
        run_job(job, registry.admin_token)
        check_registry(api, job, provisioned)


def test_pydatapipeline_runs_a_model_against_the_registry(tmp_path: Path) -> None:
    with running_registry(tmp_path / "registry") as registry:
        run_compatibility_proof(registry, tmp_path, registry.api)


def _port_8000_free() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", 8000))
        except OSError:
            return False
    return True


@pytest.mark.port8000
def test_pydatapipeline_on_the_default_port_via_localhost(tmp_path: Path) -> None:
    """The URL Julia hard-codes and pyDataPipeline users commonly write."""
    if not _port_8000_free():
        pytest.skip("port 8000 is in use")
    with running_registry(tmp_path / "registry", port=8000) as registry:
        run_compatibility_proof(registry, tmp_path, "http://localhost:8000/api/")
