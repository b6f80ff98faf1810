"""Two real registry processes per test: a local one and a shared remote with its own store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fdpd.remote import RegistryClient
from tests.registry.running_registry import RunningRegistry, running_registry
from tests.sync.seed import Seeder


@dataclass
class Side:
    registry: RunningRegistry
    token: str
    seeder: Seeder
    store: Path
    files: Path  # plain files this side's records may point at with file:// roots

    def client(self, name: str) -> RegistryClient:
        return RegistryClient(self.registry.base_url, self.token, name=name)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Side]:
    with running_registry(tmp_path / "local") as registry:
        assert registry.admin_token is not None
        seeder = Seeder(registry.base_url, registry.admin_token)
        store = tmp_path / "local-store"
        store.mkdir()
        files = tmp_path / "local-files"
        files.mkdir()
        yield Side(registry, registry.admin_token, seeder, store, files)
        seeder.close()


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Side]:
    workdir = tmp_path / "remote"
    store = tmp_path / "remote-store"
    with running_registry(workdir, shared=True, data_store=str(store)) as registry:
        token = registry.add_user("alice")
        seeder = Seeder(registry.base_url, token)
        files = tmp_path / "remote-files"
        files.mkdir()
        yield Side(registry, token, seeder, store, files)
        seeder.close()
