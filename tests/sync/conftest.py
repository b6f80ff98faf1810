"""Two registries per test: a local one and a shared remote with its own folder data store.

`local` and `remote` are fdp's registry app in process (tests/inprocess.py): the sync engine's
requests go through `httpx.ASGITransport`, exactly as they would go over the network.
`local_process` and `remote_process` are real `fdpd registry serve` processes, for the test that
kills a pushing process (tests/sync/test_push_killed.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from fdpd.remote.client import RegistryClient
from tests.inprocess import registry_in_process
from tests.registry.running_registry import running_registry
from tests.sync.seed import Seeder

LOCAL_BASE = "http://127.0.0.1:8000"  # the local registry answers only localhost names
REMOTE_BASE = "http://origin.test:8000"


@dataclass
class Side:
    base_url: str
    token: str
    seeder: Seeder
    store: Path
    files: Path  # plain files this side's records may point at with file:// roots
    transport: httpx.AsyncBaseTransport | None = None  # None: over the network

    def client(self, name: str, token: str | None = None) -> RegistryClient:
        return RegistryClient(
            self.base_url, token or self.token, name=name, transport=self.transport
        )


def _folders(tmp_path: Path, side: str) -> tuple[Path, Path]:
    store, files = tmp_path / f"{side}-store", tmp_path / f"{side}-files"
    store.mkdir()
    files.mkdir()
    return store, files


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Side]:
    store, files = _folders(tmp_path, "local")
    with registry_in_process(tmp_path / "local", LOCAL_BASE) as registry:
        yield Side(LOCAL_BASE, registry.token, registry.seeder, store, files, registry.transport())


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Side]:
    workdir = tmp_path / "remote"
    store = tmp_path / "remote-store"
    with registry_in_process(workdir, REMOTE_BASE, shared=True, data_store=store) as registry:
        token = registry.add_user("alice")
        seeder = registry.seeder_for(token)
        files = tmp_path / "remote-files"
        files.mkdir()
        yield Side(REMOTE_BASE, token, seeder, store, files, registry.transport())
        seeder.close()


@pytest.fixture
def local_process(tmp_path: Path) -> Iterator[Side]:
    with running_registry(tmp_path / "local") as registry:
        assert registry.admin_token is not None
        seeder = Seeder(registry.base_url, registry.admin_token)
        store, files = _folders(tmp_path, "local")
        yield Side(registry.base_url, registry.admin_token, seeder, store, files)
        seeder.close()


@pytest.fixture
def remote_process(tmp_path: Path) -> Iterator[Side]:
    workdir = tmp_path / "remote"
    store = tmp_path / "remote-store"
    with running_registry(workdir, shared=True, data_store=str(store)) as registry:
        token = registry.add_user("alice")
        seeder = Seeder(registry.base_url, token)
        files = tmp_path / "remote-files"
        files.mkdir()
        yield Side(registry.base_url, token, seeder, store, files)
        seeder.close()
