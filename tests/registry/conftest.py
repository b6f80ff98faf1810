"""One registry per test module, on SQLite and on PostgreSQL.

`registry` (module scope, parametrised `sqlite` / `postgres`): fdp's registry app with an admin
key, served in process (tests/inprocess.py: every request goes through the app as over HTTP),
wrapped in `RegistryClient` (httpx clients: `admin` with the token, `anonymous`, `plain`).
Tests sharing it use unique names (`unique()`) so they do not interfere. What only a server
process shows (workers, keep-alive, the language APIs over HTTP) is tested with
`running_registry`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.inprocess import BASE, InProcessRegistry, registry_in_process
from tests.postgres_database import database_for

ACCEPT = "application/json; version=1.0.0"


class RegistryClient:
    """A registry plus clients: `admin` (token) and `anonymous`. Both take absolute URLs too
    (the app sees their host, as a server sees the Host header)."""

    def __init__(self, served: InProcessRegistry) -> None:
        self.served = served
        self.admin_token = served.token
        self.database_url = served.database_url
        self.base = served.base_url
        self.admin = served.http(served.token)
        self.anonymous = served.http()
        self.plain = served.http(accept=None)  # as a bare `httpx.get` asks

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
        self.plain.close()


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
        database_url = database_for(request, stack, workdir)
        served = stack.enter_context(registry_in_process(workdir, BASE, database_url=database_url))
        client = RegistryClient(served)
        stack.callback(client.close)
        yield client
