"""A data store on a file system that fills up during a download: a real, size-limited tmpfs
(mounted as root; without root the test is skipped). The pull fails with a clear error, leaves no
partial file and registers nothing; once there is room, pulling again finishes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import Faulty, fault_site, journal, local_view, pull_project
from tests.faults.consistency import (
    assert_journal_settled,
    assert_registry_consistent,
    assert_store_clean,
)
from tests.push.processes import Site
from tests.run.conftest import make_project
from tests.small_disk import mounted_tmpfs, resize_tmpfs

SMALL_DISK = "2m"
ROOMY_DISK = "32m"
BIG = 3 << 20  # bytes: more than the small disk holds


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "disk", SMALL_DISK) as disk:
        yield disk


def grow(disk: Path) -> None:
    resize_tmpfs(disk, ROOMY_DISK)


@pytest.fixture
def ana_on_small_disk(faulty: Faulty, small_disk: Path) -> Iterator[Site]:
    """ana, her data store on the small disk, remote origin behind the relay."""
    with fault_site("ana", store=small_disk / "store") as site:
        site.add_remote(faulty.remote, url=f"{faulty.relay.url}/api/")
        yield site


def assert_failed_cleanly(site: Site, events: list[dict[str, object]], item: str) -> str:
    text = repr(events[-1])
    assert "internal error" not in text, text
    assert "no space left" in text.lower(), text
    assert item in text, text
    assert_store_clean(site.store)
    assert local_view(site).products() == set()
    return text


def test_remote_read_on_a_full_disk(
    ana_on_small_disk: Site, faulty: Faulty, small_disk: Path
) -> None:
    ana = ana_on_small_disk
    big = os.urandom(BIG)
    faulty.publish("floods", "levels/big", big)
    config = pull_project(ana, ("floods", "levels/big"))

    status, _, events = ana.stream_result("pull", str(config))

    assert status == 1
    text = assert_failed_cleanly(ana, events, "floods:levels/big@1.0.0")
    assert f"cannot write {ana.store}/floods/levels/big/1.0.0.csv" in text
    assert not (ana.store / "floods" / "levels" / "big").exists() or not any(
        (ana.store / "floods" / "levels" / "big").iterdir()
    )

    grow(small_disk)
    status, _final, events = ana.stream_result("pull", str(config))

    assert status == 0, events[-3:]
    assert (ana.store / "floods" / "levels" / "big" / "1.0.0.csv").read_bytes() == big
    assert local_view(ana).products() == {"floods:levels/big@1.0.0"}
    assert_registry_consistent(local_view(ana), ana.store)
    assert_store_clean(ana.store)
    assert_journal_settled(journal(ana))


def test_register_source_on_a_full_disk(
    ana_on_small_disk: Site, small_disk: Path, tmp_path: Path
) -> None:
    ana = ana_on_small_disk
    source = tmp_path / "rainfall.csv"
    source.write_bytes(os.urandom(BIG))
    config = f"""\
run_metadata:
  description: register a big source
register:
  - data_product: rain/big
    namespace_name: met
    root: {source.parent}/
    path: {source.name}
    file_type: csv
    version: "1.0.0"
"""
    project = make_project(tmp_path / "register", {"config.yaml": config})

    status, _, events = ana.stream_result("pull", str(project / "config.yaml"))

    assert status == 1
    assert_failed_cleanly(ana, events, "met:rain/big")

    grow(small_disk)
    status, _, events = ana.stream_result("pull", str(project / "config.yaml"))

    assert status == 0, events[-3:]
    assert (ana.store / "met" / "rain" / "big" / "1.0.0.csv").read_bytes() == source.read_bytes()
    assert local_view(ana).products() == {"met:rain/big@1.0.0"}
    assert_registry_consistent(local_view(ana), ana.store)
    assert_store_clean(ana.store)
