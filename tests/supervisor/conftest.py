from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance


@pytest.fixture
def fdp(fdp_home: Path) -> Iterator[FdpInstance]:
    """A running fdpd whose supervised registry gets a free port and a short idle timeout."""
    env = {"FDP_REGISTRY_PORT": str(free_port()), "FDP_REGISTRY_IDLE_TIMEOUT": "600"}
    with FdpInstance(fdp_home, extra_env=env) as instance:
        instance.start_daemon()
        yield instance
