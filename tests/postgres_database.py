"""Throw-away PostgreSQL databases for tests, on the server `.ci/run` starts: empty ones
(`fresh_database`), and ones at the registry's schema HEAD (`database_at_head`), copied from a
template this process upgrades once."""

from __future__ import annotations

import atexit
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
    admin_url = _admin_url(server_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url(server_url, name)
    finally:
        _drop(admin_url, name)


_AT_HEAD: dict[str, str] = {}  # server URL: this process's template database at HEAD


@contextmanager
def database_at_head(server_url: str) -> Iterator[str]:
    """`fresh_database` with the registry's schema at HEAD, as `create_app` leaves an empty one
    (a registry started on it finds it at HEAD, as on a restart): a copy of a template this
    process upgraded once (dropped when it exits), not the ~27 tables built again each time."""
    template = _template_at_head(server_url)
    name = f"fdp_test_{secrets.token_hex(6)}"
    admin_url = _admin_url(server_url)
    # retried while the template's last session (its upgrade's) is still ending
    _while_in_use(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"', pause=0.02)
    try:
        yield _database_url(server_url, name)
    finally:
        _drop(admin_url, name)


def _template_at_head(server_url: str) -> str:
    if server_url not in _AT_HEAD:
        import psycopg

        from fdpregistry.database import make_engine
        from fdpregistry.migrations import upgrade

        name = f"fdp_test_head_{secrets.token_hex(6)}"
        admin_url = _admin_url(server_url)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        atexit.register(_drop, admin_url, name)
        engine = make_engine(_database_url(server_url, name))
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        _AT_HEAD[server_url] = name
    return _AT_HEAD[server_url]


def database_for(request: pytest.FixtureRequest, stack: ExitStack, folder: Path) -> str:
    """The database of a fixture parametrised "sqlite" / "postgres" for a registry app: a new
    SQLite file in `folder`, or a PostgreSQL database at HEAD dropped when `stack` closes."""
    if request.param == "postgres":
        url: str = stack.enter_context(
            database_at_head(request.getfixturevalue("postgres_server_url"))
        )
        return url
    return f"sqlite:///{folder / 'registry.db'}"


def _admin_url(server_url: str) -> str:
    return server_url.replace("postgresql+psycopg://", "postgresql://")


def _database_url(server_url: str, name: str) -> str:
    return f"{server_url.rpartition('/')[0]}/{name}"


def _drop(admin_url: str, name: str) -> None:
    _while_in_use(admin_url, f'DROP DATABASE IF EXISTS "{name}"', pause=0.2)


def _while_in_use(admin_url: str, statement: str, pause: float) -> None:
    """Run `statement`, again every `pause` seconds while a database it names is in use (a
    session still ending), for at most DROP_TIMEOUT_S."""
    import psycopg

    deadline = time.monotonic() + DROP_TIMEOUT_S
    with psycopg.connect(admin_url, autocommit=True) as conn:
        while True:
            try:
                conn.execute(statement)
                return
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(pause)
