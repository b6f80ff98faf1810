from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fdp_process import FdpInstance


@pytest.fixture
def fdp(fdp_home: Path) -> Iterator[FdpInstance]:
    """An fdp instance in a fresh FDP_HOME; nothing is running yet."""
    with FdpInstance(fdp_home) as instance:
        yield instance


@pytest.fixture
def running_fdp(fdp: FdpInstance) -> FdpInstance:
    """An fdp instance with fdpd running on its Unix socket."""
    fdp.start_daemon()
    return fdp
