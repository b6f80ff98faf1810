"""A real registry server per test module, on SQLite and on PostgreSQL.

`registry` (module scope, parametrised `sqlite` / `postgres`): a running `fdpd registry serve`
subprocess with an admin key, wrapped in `RegistryClient` (an httpx client authenticated as admin).
Tests sharing the server use unique names (`unique()`) so they do not interfere.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.postgres_database import fresh_database
from tests.registry.running_registry import RunningRegistry, running_registry

ACCEPT = "application/json; version=1.0.0"


class RegistryClient:
    """A running registry plus clients: `admin` (token) and `anonymous`."""

    def __init__(self, server: RunningRegistry, database_url: str) -> None:
        self.server = server
        self.database_url = database_url
        self.base = server.base_url
        self.admin = httpx.Client(
            base_url=self.base, headers={**server.admin_headers(), "Accept": ACCEPT}, timeout=30
        )
        self.anonymous = httpx.Client(base_url=self.base, headers={"Accept": ACCEPT}, timeout=30)

    def create(self, type_name: str, body: dict[str, object]) -> dict[str, object]:
        """POST a record as admin, asserting 201; returns the record."""
        response = self.admin.post(f"/api/{type_name}/", json=body)
        assert response.status_code == 201, (type_name, body, response.text)
        record = response.json()
        assert isinstance(record, dict)
        return record

    def close(self) -> None:
        self.admin.close()
        self.anonymous.close()


def unique(prefix: str = "n") -> str:
    return f"{prefix}{secrets.token_hex(4)}"


def path_of(link: object) -> str:
    """`/api/<type>/<id>/` of an absolute link."""
    assert isinstance(link, str)
    return "/api/" + link.split("/api/", 1)[1]


def id_of(link: object) -> int:
    assert isinstance(link, str)
    return int(link.rstrip("/").rsplit("/", 1)[1])


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryClient]:
    workdir: Path = tmp_path_factory.mktemp("registry")
    with ExitStack() as stack:
        if request.param == "postgres":
            server_url: str = request.getfixturevalue("postgres_server_url")
            database_url = stack.enter_context(fresh_database(server_url))
        else:
            database_url = f"sqlite:///{workdir / 'registry.db'}"
        server = stack.enter_context(running_registry(workdir, database_url=database_url))
        client = RegistryClient(server, database_url)
        stack.callback(client.close)
        yield client
