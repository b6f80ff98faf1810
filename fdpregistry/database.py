"""Engine and session setup for SQLite (default) and PostgreSQL, and the session dependency."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import CursorResult, Engine, create_engine, event

from fdpregistry.models import use_postgresql_options


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    use_postgresql_options()
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL + NORMAL: durable against application crashes, fsync only at checkpoints
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(request: Request) -> Engine:
    """The engine of the app serving `request`."""
    engine: Engine = request.app.state.engine
    return engine


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row a single-row INSERT created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
