"""Language API tests push to a real shared remote registry, as tests/push does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.push.processes import Remote, remote_registry


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    with remote_registry(tmp_path) as shared:
        yield shared
