"""Push to the real reference registry (Django, SQLite, files in S3 on a loopback moto server).

Its creates are not atomic: SQLite answers 500 "database is locked" to concurrent writes, and a
create that fails half way leaves the record without some links. fdp writes it one request at a
time, so pushes succeed on the first try with every link of every record there; a half-made
record (produced by an HttpRelay, FAULT INJECTION) is completed by PATCH where the reference has
one, and otherwise reported per item, which stays committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.faults.http_relay import HttpRelay
from tests.push.processes import Site, fdp_site
from tests.reference_registry import ReferenceRegistry, reference_registry

CYCLES = 3
CONFIG = """\
run_metadata:
  description: writes two products
  script: python3 model.py
write:
  - data_product: {prefix}/a
    description: first
    file_type: csv
  - data_product: {prefix}/b
    description: second
    file_type: csv
"""


@dataclass
class Pushing:
    ref: ReferenceRegistry
    ana: Site
    relay: HttpRelay

    def records(self, table: str, **params: str) -> list[dict[str, Any]]:
        url = f"{self.ref.api_url}{table}/"
        answer = httpx.get(url, params=params, headers=self.ref.headers, timeout=30)
        answer.raise_for_status()
        return list(answer.json()["results"])

    def get(self, link: str) -> dict[str, Any]:
        path = link.split("/api/", 1)[1]
        answer = httpx.get(self.ref.api_url + path, headers=self.ref.headers, timeout=30)
        answer.raise_for_status()
        return dict(answer.json())

    def run_and_commit(self, prefix: str) -> str:
        """Run the two-product model as ana and commit the job; the code run's uuid."""
        config = CONFIG.format(prefix=prefix)
        project = self.ana.project(prefix, {"config.yaml": config})
        job = self.ana.run_model(project, "config.yaml", MODEL_WRITES=f"{prefix}/a,{prefix}/b")
        assert job["exit_status"] == 0, job["output"]
        self.ana.ok("commit", job["id"])
        [run_uuid] = self.ana.job_runs(job["id"])
        return run_uuid

    def push(self) -> tuple[int, dict[str, Any]]:
        status, final, _ = self.ana.stream_result("push")
        return status, final.get("result") or final


@pytest.fixture(scope="module")
def pushing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushing]:
    """One reference (with S3), an HttpRelay before it (no faults until a test asks) and ana,
    with remote `origin` = the relay, for the module: each test pushes its own products."""
    token = tmp_path_factory.mktemp("reference") / "reference.token"
    with reference_registry(s3=True) as ref, HttpRelay(ref.port) as relay, fdp_site("ana") as ana:
        assert ref.count("code_run") == 0  # a fresh reference, before any push
        token.write_text(ref.token + "\n")
        token.chmod(0o600)
        # The reference serves `/data/<sha1>` only under its own storage root, not the relay's.
        store = ["--data-store", f"{ref.url}/data/"]
        ana.ok("remote", "add", "origin", f"{relay.url}/api/", "--token-file", str(token), *store)
        yield Pushing(ref, ana, relay)


def test_the_reference_answers_its_api_with_its_token(pushing: Pushing) -> None:
    """The shared helper (tests/reference_registry.py) starts a reference, with S3, that answers."""
    ref = pushing.ref
    answer = httpx.get(ref.api_url, headers=ref.headers, timeout=30)
    assert answer.status_code == 200
    assert "code_run" in answer.json()
    root = httpx.get(f"{ref.api_url}storage_root/", headers=ref.headers, timeout=30)
    assert root.status_code == 200
    assert ref.s3_url is not None


def test_every_push_succeeds_first_try_with_the_whole_closure(pushing: Pushing) -> None:
    first_try = 0
    for cycle in range(CYCLES):
        run_uuid = pushing.run_and_commit(f"c{cycle}")
        status, result = pushing.push()
        first_try += status == 0
        assert status == 0, result
        assert {item["status"] for item in result["items"]} == {"pushed"}, result
        assert_closure_on_reference(pushing, run_uuid, f"c{cycle}")
        print(f"\npush {cycle}: {result['remote_requests']}")
    print(f"\nreference remote: {first_try} of {CYCLES} pushes complete on the first try")
    assert "database is locked" not in pushing.ref.log()


def test_half_made_code_run_is_completed_by_patch(pushing: Pushing) -> None:
    run_uuid = pushing.run_and_commit("patched")
    pushing.relay.half_create("code_run", drop="outputs")

    status, result = pushing.push()

    assert status == 0, result
    assert result["records_patched"] == 1, result
    assert_closure_on_reference(pushing, run_uuid, "patched")


def test_half_made_object_is_reported_and_stays_committed(pushing: Pushing) -> None:
    # Last in the module: its code run stays committed, so later pushes would fail too.
    run_uuid = pushing.run_and_commit("half")
    pushing.relay.half_create("object", drop="authors")

    status, result = pushing.push()

    assert status != 0, result
    outcomes = {item["item"]: item for item in result["items"]}
    run = outcomes[f"code run {run_uuid}"]
    assert run["status"] == "failed", result
    assert "on origin but incomplete: object /api/object/" in run["reason"], run
    assert "has no authors" in run["reason"], run
    half_made = pushing.relay.log.half_created[-1]
    assert half_made.split("/api/", 1)[1] in run["reason"], run
    assert pushing.get(half_made)["authors"] == []
    assert pushing.ana.json("status", run_uuid)["items"][0]["state"] == "committed"

    objects = len(pushing.records("object"))
    status, again = pushing.push()  # nothing repairs it: the same report, nothing duplicated
    assert status != 0
    assert "has no authors" in {i["item"]: i for i in again["items"]}[run["item"]]["reason"]
    assert len(pushing.records("object")) == objects


def assert_closure_on_reference(pushing: Pushing, run_uuid: str, prefix: str) -> None:
    """The code run with its repo, config, script and both outputs; each output's object with
    its authors and whole-object component, its file in S3 with the local file's SHA-1."""
    [run] = pushing.records("code_run", uuid=run_uuid)
    for link in ("code_repo", "model_config", "submission_script"):
        assert run[link], (link, run)
        assert pushing.get(pushing.get(run[link])["storage_location"])["hash"]
    assert len(run["outputs"]) == 2 and run["inputs"] == []
    for name in (f"{prefix}/a", f"{prefix}/b"):
        [product] = pushing.records("data_product", name=name)
        obj = pushing.get(product["object"])
        assert obj["authors"] and obj["components"], obj
        location = pushing.get(obj["storage_location"])
        local = next((pushing.ana.store / "ana" / name).iterdir())
        sha1 = hashlib.sha1(local.read_bytes()).hexdigest()
        assert location["hash"] == sha1
        served = httpx.get(f"{pushing.ref.url}/data/{sha1}", follow_redirects=True, timeout=30)
        assert served.status_code == 200, served.text
        assert hashlib.sha1(served.content).hexdigest() == sha1
