"""Throw-away PostgreSQL databases for tests, on the server `.ci/run` starts."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

DROP_TIMEOUT_S = 30.0


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards.

    The drop is a plain DROP DATABASE, retried while sessions linger. `WITH (FORCE)` is not
    used: on PostgreSQL 15 it fails for a non-superuser whenever an autovacuum worker happens
    to be in the database, whereas a plain DROP cancels autovacuum itself.
    """
    import psycopg

    name = f"fdp_test_{secrets.token_hex(6)}"
    admin_url = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url.rpartition('/')[0]}/{name}"
    finally:
        _drop(admin_url, name)


def database_for(request: pytest.FixtureRequest, stack: ExitStack, folder: Path) -> str:
    """The database of a fixture parametrised "sqlite" / "postgres": a new SQLite file in
    `folder`, or a fresh PostgreSQL database dropped when `stack` closes."""
    if request.param == "postgres":
        url: str = stack.enter_context(
            fresh_database(request.getfixturevalue("postgres_server_url"))
        )
        return url
    return f"sqlite:///{folder / 'registry.db'}"


def _drop(admin_url: str, name: str) -> None:
    import psycopg

    deadline = time.monotonic() + DROP_TIMEOUT_S
    with psycopg.connect(admin_url, autocommit=True) as conn:
        while True:
            try:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
