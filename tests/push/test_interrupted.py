"""Pushes cut short: fdpd killed with SIGKILL, and the remote registry stopped, in the middle of
the push (once its first file is on the remote; fdp's registry then keeps the records of a first
push in one transaction, all or none); pushing again finishes with nothing duplicated and nothing
missing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fdp_process import FDPCTL, json_lines
from tests.push.processes import Remote, Site, fdp_site, remote, remote_registry, write_config
from tests.push.slow_proxy import SlowProxy

__all__ = ["remote"]  # the real fdpd and shared registry (tests/push/processes.py)

DELAY = 0.05  # seconds per request on the way to the remote: a push takes a few seconds
RUNS = 2
COPIED_TYPES = ("code_run", "data_product", "object", "object_component", "storage_location")


@pytest.fixture
def slow_ana(remote: Remote) -> Iterator[tuple[Site, SlowProxy]]:
    """ana with two committed runs and remote origin behind a slow link."""
    port = int(remote.registry.base_url.rsplit(":", 1)[1])
    with SlowProxy(port, DELAY) as proxy, fdp_site("ana") as ana:
        ana.add_remote(remote, url=f"{proxy.url}/api/")
        configs = {f"run{n}.yaml": write_config(f"slow/out{n}") for n in range(RUNS)}
        project = ana.project("model", configs)
        for n in range(RUNS):
            job = ana.run_model(project, f"run{n}.yaml", MODEL_WRITES=f"slow/out{n}")
            assert job["exit_status"] == 0, job["output"]
            ana.ok("commit", job["id"])
        yield ana, proxy


def start_push(site: Site) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FDPCTL), "--json", "push"],
        env=site.instance.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def a_file_arrived(remote: Remote) -> bool:
    return any(path.is_file() for path in remote.store.rglob("*"))


def local_counts(site: Site) -> dict[str, int]:
    return {table: len(site.local(table, page_size="1000")) for table in COPIED_TYPES}


def assert_complete_without_duplicates(site: Site, remote: Remote) -> None:
    # Every local record of these types belongs to a committed run: one remote copy each.
    expected = local_counts(site)
    remote_counts = {table: remote.count(table) for table in COPIED_TYPES}
    assert remote_counts == expected
    counts = site.status_counts()
    assert counts["pushed"]["code_run"] == RUNS and counts["pushed"]["data_product"] == RUNS
    assert not counts["committed"], counts


def test_fdpd_killed_mid_push_then_push_again_finishes(
    slow_ana: tuple[Site, SlowProxy], remote: Remote
) -> None:
    ana, _ = slow_ana
    pushing = start_push(ana)
    wait_for(lambda: a_file_arrived(remote))
    os.kill(ana.instance.daemon_pid(), signal.SIGKILL)
    out, _ = pushing.communicate(timeout=30)
    assert pushing.returncode == 1
    assert json_lines(out)[-1]["type"] == "progress"  # no result: cut short

    status, final, _ = ana.stream_result("push")  # fdpctl starts a new fdpd

    assert status == 0, final
    outcome = final["result"]
    assert [item["status"] for item in outcome["items"]] == ["pushed"] * (2 * RUNS)
    assert_complete_without_duplicates(ana, remote)
    operations = ana.json("log")["operations"]
    assert [op["outcome"] for op in operations if op["verb"] == "push"][:2] == [
        "succeeded",
        "interrupted",
    ]


def test_remote_stopped_mid_push_then_push_again_finishes(
    slow_ana: tuple[Site, SlowProxy], remote: Remote, tmp_path: Path
) -> None:
    ana, _ = slow_ana
    pushing = start_push(ana)
    wait_for(lambda: a_file_arrived(remote))
    remote.registry.process.terminate()
    remote.registry.process.wait(timeout=10)
    out, _ = pushing.communicate(timeout=60)

    assert pushing.returncode == 1
    [error] = [event["error"] for event in json_lines(out) if event.get("type") == "error"]
    assert "remote origin" in error["message"] and error["hint"], error
    assert "token" not in error["message"].lower()

    port = int(remote.registry.base_url.rsplit(":", 1)[1])
    with remote_registry(tmp_path, port=port) as restarted:
        status, final, _ = ana.stream_result("push")
        assert status == 0, final
        assert_complete_without_duplicates(ana, restarted)
