"""`status` stays responsive while fdpd pushes 1,000 data products (with a file each).

Issue #7's target is p99 < 100 ms for status during the push. Measured here on the 2-core machine
(benchmarks/status_under_push.py, load average 3.6 from other work): fdpd answers `GET /v1/status`
in ~18 ms p50 / ~64 ms p99 (max 87 ms), and a whole `fdpctl status` process (interpreter start-up
included, on cores the push keeps busy) takes ~130 ms p50 / ~380 ms p99. Those are latency
figures, so they live in the benchmark; this test asserts states: every status asked during the
push was answered, all along the push (not once it ended), and the push itself is whole. The
figures are printed.

Its own module: the push alone takes 40 s or more.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import fault_site, journal
from tests.faults.consistency import RegistryView, assert_journal_settled
from tests.load.push_workload import describe, push_with_status_sampling
from tests.push.processes import Site, remote_registry

PRODUCTS = 1000


@pytest.fixture
def ana_and_remote(tmp_path: Path) -> Iterator[tuple[Site, str]]:
    """ana, and the API URL of her remote origin."""
    with remote_registry(tmp_path) as remote, fault_site("ana") as site:
        site.add_remote(remote)
        yield site, remote.api


def test_status_under_a_push_of_1000_products(
    ana_and_remote: tuple[Site, str], capsys: pytest.CaptureFixture[str]
) -> None:
    site, remote_api = ana_and_remote

    measured = push_with_status_sampling(site, PRODUCTS)

    times = measured.times
    with capsys.disabled():
        print(f"\nstatus during a push of {PRODUCTS} products ({measured.seconds}):")
        print(f"  GET /v1/status: {describe(times.daemon)}")
        print(f"  fdpctl status:  {describe(times.fdpctl)}")
    assert times.failures == []
    # sampled all along: every 100 ms plus the answer itself, which a loaded machine slows
    assert len(times.daemon) >= measured.seconds["push"] / 0.1 / 8
    assert measured.push_result["files_transferred"] == PRODUCTS + 1  # and the run's script
    counts = site.status_counts()
    assert counts["pushed"]["data_product"] == PRODUCTS + 1
    assert counts["pushed"]["code_run"] == 1 and not counts["committed"]
    assert_journal_settled(journal(site))
    remote = RegistryView(remote_api)
    assert remote.duplicates() == {}
    assert len({key for key in remote.products() if key.startswith("bulk:")}) == PRODUCTS + 1
