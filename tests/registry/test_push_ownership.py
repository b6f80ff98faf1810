"""Pushes of real fdp clients to a shared registry under namespace ownership: each user pushes
into the namespace they created; a push into another user's namespace is refused with a 403
that names the namespace and its owner, and leaves the owner's products as they were."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.push.processes import Remote, Site, fdp_site, remote, write_config

__all__ = ["remote"]  # the shared-registry fixture of tests/push


def config_into(namespace: str, name: str) -> str:
    return write_config(name).replace(
        "  public: true\n", f"  public: true\n  default_output_namespace: {namespace}\n", 1
    )


@pytest.fixture
def bob(remote: Remote) -> Iterator[Site]:
    with fdp_site("bob") as site:
        site.add_remote(remote)
        yield site


@pytest.fixture
def ana(remote: Remote) -> Iterator[Site]:
    with fdp_site("ana") as site:
        site.add_remote(remote)
        yield site


def run_commit_push(site: Site, config: str, name: str) -> tuple[int, dict[str, object]]:
    project = site.project(f"model-{name.replace('/', '-')}", {"config.yaml": config})
    job = site.run_model(project, "config.yaml", MODEL_WRITES=name, MODEL_VALUE="1")
    assert job["exit_status"] == 0, job["output"]
    [run] = site.job_runs(job["id"])
    site.ok("commit", run[:8])
    status, result, _ = site.stream_result("push")
    return status, result


def test_each_user_pushes_into_their_own_namespace_and_not_into_anothers(
    ana: Site, bob: Site, remote: Remote
) -> None:
    status, result = run_commit_push(ana, write_config("own/a"), "own/a")
    assert status == 0, result
    status, result = run_commit_push(bob, write_config("own/b"), "own/b")
    assert status == 0, result
    assert {p["name"] for p in remote.records("data_product")} == {"own/a", "own/b"}

    status, result = run_commit_push(bob, config_into("ana", "sneaky/c"), "sneaky/c")
    assert status != 0, result
    text = json.dumps(result)
    assert "Namespace 'ana' belongs to 'ana'" in text, text
    assert "bob" in text
    assert {p["name"] for p in remote.records("data_product")} == {"own/a", "own/b"}
