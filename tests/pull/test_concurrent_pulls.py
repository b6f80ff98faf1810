"""Two `fdpctl pull` of one config at the same moment (issue 12, item 1): they share the
download of each file, and both succeed with nothing duplicated.

A real shared remote registry (its access log counts the downloads it serves) behind a relay
that slows what it sends back, so that the second pull starts while the first is downloading.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import (
    Faulty,
    fault_site,
    faulty_remote,
    local_view,
    pull_project,
    start_fdpctl,
)
from tests.faults.consistency import assert_registry_consistent, assert_store_clean
from tests.fdp_process import json_lines
from tests.push.processes import Site

BIG = 4 << 20  # bytes: about 2.5 s through the throttled relay


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[Faulty]:
    with faulty_remote(tmp_path, access_log=True) as found:
        yield found


@pytest.fixture
def ana(faulty: Faulty) -> Iterator[Site]:
    with fault_site("ana") as site:
        site.add_remote(faulty.remote, url=f"{faulty.relay.url}/api/")
        yield site


def downloads_served(faulty: Faulty, sha1: str) -> int:
    """`GET /data/<sha1>` requests in the remote's access log."""
    return len(re.findall(rf'"GET /data/{sha1} HTTP', faulty.remote.registry.log()))


def test_two_pulls_at_once_download_each_file_once(ana: Site, faulty: Faulty) -> None:
    content = os.urandom(BIG)
    sha1 = hashlib.sha1(content).hexdigest()
    faulty.publish("floods", "gauges/shared", content)
    config = pull_project(ana, ("floods", "gauges/shared"))
    faulty.relay.throttle(0.01)  # ~1.6 MB/s back from the remote

    first = start_fdpctl(ana, "pull", str(config))
    time.sleep(0.3)
    second = start_fdpctl(ana, "pull", str(config))
    answers = [process.communicate(timeout=120) for process in (first, second)]
    faulty.relay.throttle(0)

    results = []
    for process, (out, err) in zip((first, second), answers, strict=True):
        assert process.returncode == 0, (json_lines(out)[-3:], err)
        assert "Traceback" not in err
        results.append(json_lines(out)[-1]["result"])
    assert downloads_served(faulty, sha1) == 1
    assert sorted(r["files_downloaded"] for r in results) == [0, 1]
    for result in results:
        assert [i["status"] for i in result["items"]] in (["pulled"], ["present"]), result
    target = ana.store / "floods" / "gauges" / "shared" / "1.0.0.csv"
    assert hashlib.sha1(target.read_bytes()).hexdigest() == sha1
    view = local_view(ana)
    assert_registry_consistent(view, ana.store)
    assert view.products() == {"floods:gauges/shared@1.0.0"}
    assert sorted(view.hash_counts().values()) == [1]  # one storage location for the file
    assert_store_clean(ana.store)
