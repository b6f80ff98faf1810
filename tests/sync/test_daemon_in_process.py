"""fdpd's verbs in process (tests/inprocess.py): the daemon app over ASGI, its local registry the
registry app through the seam `Services.registry`, a shared remote app through
`Services.remote_transport`; no process, no socket."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.inprocess import InProcessDaemon, InProcessRegistry, daemon_in_process
from tests.sync.seed import add_product

CONTENT = b"station,flow\nA,1.5\n"
CONFIG = """\
run_metadata:
  description: reads
  script: python3 model.py
read:
  - data_product: flow/gauge
    use:
      namespace: bob
      version: "1.0.0"
"""


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[InProcessDaemon]:
    with daemon_in_process(tmp_path / "fdp") as instance:
        yield instance


def published(remote: InProcessRegistry) -> str:
    """bob's product `bob:flow/gauge@1.0.0` on the remote, its file in the remote's data store;
    the file's SHA-1."""
    seeder = remote.seeder_for(remote.add_user("bob"))
    try:
        sha1 = seeder.upload(CONTENT)
        add_product(
            seeder,
            namespace="bob",
            name="flow/gauge",
            version="1.0.0",
            content=CONTENT,
            root=f"{remote.base_url}/data/",
            path=sha1,
        )
    finally:
        seeder.close()
    return sha1


def token_file(folder: Path, token: str) -> Path:
    path = folder / "origin.token"
    path.write_text(token + "\n")
    os.chmod(path, 0o600)
    return path


def ok(answer: Any) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_pull_through_the_daemon_app_lands_in_the_local_registry_and_the_journal(
    daemon: InProcessDaemon, tmp_path: Path
) -> None:
    remote = daemon.add_remote_registry("origin", tmp_path / "origin")
    sha1 = published(remote)
    store = tmp_path / "store"
    ok(daemon.call("POST", "/v1/users", {"username": "ana", "data_store": str(store)}))
    tokens = token_file(tmp_path, remote.add_user("ana"))
    remote_body = {"name": "origin", "url": remote.api_url, "token_file": str(tokens)}
    ok(daemon.call("POST", "/v1/remotes", remote_body))
    project = tmp_path / "project"
    project.mkdir()

    events = daemon.verb("/v1/pull", {"config_text": CONFIG, "config_dir": str(project)})

    final = events[-1]
    assert final["type"] == "result", events
    assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    [item] = final["result"]["items"]
    assert item["status"] == "pulled", item
    [kept] = (store / "bob" / "flow" / "gauge").glob("1.0.0.*")
    assert hashlib.sha1(kept.read_bytes()).hexdigest() == sha1
    with daemon.registry.http() as local:
        products = local.get("/api/data_product/", params={"name": "flow/gauge"}).json()
    assert products["count"] == 1 and products["results"][0]["version"] == "1.0.0"
    # the journal: the operation, its events as streamed, and the pulled item
    operations = ok(daemon.call("GET", "/v1/operations"))["operations"]
    assert operations[0]["verb"] == "pull" and operations[0]["outcome"] == "succeeded"
    replayed = daemon.call("GET", f"/v1/operations/{final['operation']}/events")
    assert [json.loads(line) for line in replayed.text.splitlines()] == events
    # the registry was held for the pull, and every hold was given back
    assert "pull" in daemon.local.holds_taken and not daemon.local.holders
