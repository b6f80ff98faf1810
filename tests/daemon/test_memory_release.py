"""fdpd gives freed memory back to the system once its operations are over
   (fdpd.base.memory_release).

The soak (benchmarks/soak.py) showed RSS following the largest transient peak while Python's live
allocations stayed flat: glibc kept the freed heap. These tests check that the trim works, and
that a real fdpd runs it after an operation.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fdpd.base.memory_release import MIN_INTERVAL, release_free_memory
from tests.fdp_process import FdpInstance

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists() or not release_free_memory(),
    reason="needs Linux with glibc's malloc_trim",
)


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_freed_heap_goes_back_to_the_system() -> None:
    blocks = [bytes(2048) for _ in range(100_000)]  # ~200 MiB through malloc (over 512 bytes)
    keep = blocks[::100]  # a few survivors scattered through the heap: it cannot shrink by itself
    del blocks
    before = _rss_mib()
    assert release_free_memory()
    after = _rss_mib()
    assert keep
    assert after < before - 100, (before, after)


def test_fdpd_trims_after_an_operation(fdp: FdpInstance) -> None:
    fdp.start_daemon("--log-level", "debug")
    checked = fdp.run_fdpctl("daemon", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    log = fdp.locations.daemon_log_path
    deadline = time.monotonic() + MIN_INTERVAL + 10
    while "malloc_trim took" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "malloc_trim took" in log.read_text()
