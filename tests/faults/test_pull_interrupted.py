"""Pulls cut short by SIGKILL: of fdpd in the middle of a large download, of the local registry in
the middle of the record copy, of the remote registry in the middle of the pull. Each time the
same `fdpctl pull` run again finishes, and registries, data store and journal agree."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fdpd.store.framing import MAX_FILE_BYTES
from tests.faults.conftest import (
    Faulty,
    journal,
    kill_fdpd,
    local_registry_pid,
    local_view,
    pull_project,
    registry_port,
    start_fdpctl,
    wait_for,
)
from tests.faults.consistency import (
    assert_journal_settled,
    assert_registry_consistent,
    assert_store_clean,
    leftover_parts,
)
from tests.fdp_process import json_lines
from tests.push.processes import Site, remote_registry

BIG = 6 << 20  # bytes: ~4 s through the throttled relay


def pull_again_succeeds(site: Site, config: Path) -> dict[str, object]:
    status, final, events = site.stream_result("pull", str(config))
    assert status == 0, events[-3:]
    result: dict[str, object] = final["result"]
    return result


def read_events_until(
    process: subprocess.Popen[str], found: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The events `process` prints (--json) up to the first that `found` accepts."""
    assert process.stdout is not None
    events: list[dict[str, Any]] = []
    for line in process.stdout:
        events += json_lines(line)
        if events and found(events[-1]):
            return events
    raise AssertionError(f"the command ended without the awaited event: {events[-3:]}")


def copying_records(event: dict[str, Any]) -> bool:
    return bool(event.get("phase") == "records" and event["current"] < event["total"] / 2)


def assert_pulled_consistently(site: Site, faulty: Faulty, products: set[str]) -> None:
    local = local_view(site)
    assert_registry_consistent(local, site.store)
    assert local.products() == products
    assert sorted(local.hash_counts().values()) == [1] * len(products)  # one location per file
    assert len(local.local_files(site.store)) == len(products)
    assert_store_clean(site.store)
    view = journal(site)
    assert_journal_settled(view)
    assert view.items("pulled", "data_product") == len(products)
    assert view.items_without_local_record(local) == []
    # a pull never writes to the remote: it holds what was published on it, and no more
    assert faulty.remote.count("data_product") == len(faulty.published)


def test_fdpd_killed_mid_download_then_pull_again(ana: Site, faulty: Faulty) -> None:
    big = os.urandom(BIG)
    products = {
        faulty.publish("floods", "gauges/big", big),
        faulty.publish("floods", "gauges/small", b"gauge,level\n1,2\n"),
    }
    config = pull_project(ana, ("floods", "gauges/big"), ("floods", "gauges/small"))
    faulty.relay.throttle(0.01)  # ~1.6 MB/s back from the remote

    pulling = start_fdpctl(ana, "pull", str(config))
    wait_for(
        lambda: any(p.stat().st_size > 256 << 10 for p in leftover_parts(ana.store)),
        what="a partial download",
    )
    kill_fdpd(ana)
    out, _ = pulling.communicate(timeout=30)
    faulty.relay.throttle(0)

    assert pulling.returncode != 0
    assert json_lines(out)[-1]["type"] == "progress"  # cut short: no result, no error
    assert local_view(ana).products() <= {"floods:gauges/small@1.0.0"}

    result = pull_again_succeeds(ana, config)  # fdpctl starts a new fdpd

    assert result["ok"] is True
    assert (ana.store / "floods" / "gauges" / "big" / "1.0.0.csv").read_bytes() == big
    assert_pulled_consistently(ana, faulty, products)
    assert journal(ana).operations("pull") == ["interrupted", "succeeded"]


def test_local_registry_killed_mid_copy_then_pull_again(ana: Site, faulty: Faulty) -> None:
    names = [f"tides/station{n:02}" for n in range(40)]
    products = {
        faulty.publish("coast", name, f"tide,{n}\n".encode()) for n, name in enumerate(names)
    }
    config = pull_project(ana, *(("coast", name) for name in names))
    registry_pid = local_registry_pid(ana)

    pulling = start_fdpctl(ana, "pull", str(config))
    seen = read_events_until(pulling, copying_records)
    os.kill(registry_pid, signal.SIGKILL)
    out, err = pulling.communicate(timeout=90)
    first = (seen + json_lines(out))[-1]

    assert "Traceback" not in err
    # fdpd either rode out the restart (client retries) or said which registry failed
    if first.get("type") != "result":
        assert "local registry" in json.dumps(first), first
    assert ana.json("registry", "status")["restarts"] == 1
    assert "registry restart" in ana.ok("log")

    result = pull_again_succeeds(ana, config)

    assert result["ok"] is True
    assert_pulled_consistently(ana, faulty, products)


def test_remote_killed_mid_pull_then_pull_again(ana: Site, faulty: Faulty, tmp_path: Path) -> None:
    names = [f"rain/gauge{n:02}" for n in range(8)]
    # each above a bulk file (one GET each, as files in the store show the download under way)
    products = {
        faulty.publish("met", name, os.urandom(MAX_FILE_BYTES + (64 << 10))) for name in names
    }
    config = pull_project(ana, *(("met", name) for name in names))
    faulty.relay.throttle(0.01)

    pulling = start_fdpctl(ana, "pull", str(config))
    wait_for(lambda: leftover_parts(ana.store) or ana.store.joinpath("met").exists())
    faulty.remote.registry.process.kill()
    out, err = pulling.communicate(timeout=90)
    faulty.relay.throttle(0)

    events = json_lines(out)
    assert pulling.returncode == 1, events[-3:]
    failures = [e["error"]["message"] for e in events if e["type"] == "error"]
    failures += [
        item["reason"]
        for e in events
        if e["type"] == "result"
        for item in e["result"]["items"]
        if item["status"] == "failed"
    ]
    assert failures and all("remote origin" in reason for reason in failures), failures
    assert "Traceback" not in err
    assert_store_clean(ana.store)

    with remote_registry(tmp_path, port=registry_port(faulty.remote)) as restarted:
        faulty.remote = restarted
        result = pull_again_succeeds(ana, config)
        assert result["ok"] is True
        assert_pulled_consistently(ana, faulty, products)
