"""A push is journaled as what fdpctl's exit status says: failed items make a failed push, a dry
run is recorded as a dry run."""

from __future__ import annotations

from typing import Any

from tests.push.in_process import Remote, Site, ana, fdp_site, remote, write_config

__all__ = [
    "ana",
    "remote",
]  # in process: tests/push/in_process.py


def last_push(site: Site) -> dict[str, Any]:
    operations = site.json("log")["operations"]
    push: dict[str, Any] = next(op for op in operations if op["verb"] == "push")
    return push


def run_and_commit(site: Site, value: str) -> None:
    project = site.project("model", {"config.yaml": write_config("held/out")})
    job = site.run_model(project, "config.yaml", MODEL_WRITES="held/out", MODEL_VALUE=value)
    assert job["exit_status"] == 0, job["output"]
    site.ok("commit", job["id"])


def test_a_push_whose_items_all_failed_is_journaled_failed(ana: Site, remote: Remote) -> None:
    """The same user on a second machine made ana:held/out@0.0.1 with other content: the
    remote refuses every item, fdpctl exits 1, and the journal says failed."""
    with fdp_site("ana") as laptop:
        laptop.add_remote(remote)
        run_and_commit(laptop, "1")
        laptop.ok("push")
    run_and_commit(ana, "2")

    status, final, _ = ana.stream_result("push")

    assert status == 1 and final["type"] == "result", final
    items = final["result"]["items"]
    assert items and {item["status"] for item in items} == {"failed"}, items
    pushed = last_push(ana)
    assert pushed["outcome"] == "failed" and pushed["arguments"]["dry_run"] is False
    assert final["result"]["ok"] is False


def test_a_dry_run_push_is_journaled_as_a_dry_run(ana: Site, remote: Remote) -> None:
    run_and_commit(ana, "1")

    dry = ana.fdpctl("push", "--dry-run")

    assert dry.returncode == 0, dry.stderr
    operation = last_push(ana)
    assert operation["outcome"] == "dry run"
    log = ana.ok("log")
    rows = [line for line in log.splitlines() if line.startswith(f"{operation['id']} ")]
    assert len(rows) == 1, log
    [row] = rows
    assert "dry run" in row and "push --dry-run" in row
    assert remote.counts()["data_product"] == 0
