"""`fdpd registry serve --workers N`: one shared registry served by several processes.

Users pushing overlapping closures at the same moment into a 2-worker registry on PostgreSQL
(tests/registry/concurrent_pushers.py) must see no 5xx, no failed push, and leave no natural key
stored twice; `admin` is provisioned once. SQLite is refused before anything starts.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.registry.concurrent_pushers import (
    Pusher,
    PushStats,
    add_pushers,
    duplicate_natural_keys,
    grant_team_namespaces,
    push_setup,
    push_until,
)
from tests.registry.running_registry import FDPD, RunningRegistry, running_registry

USERS = 6
PUSH_SECONDS = 6.0
EPOCH_SECONDS = 1.5


def test_workers_refuse_sqlite(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    served = subprocess.run(
        [str(FDPD), "registry", "serve", "--workers", "2", "--database", database],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode == 2
    assert "--workers 2 needs a PostgreSQL database, not sqlite" in served.stderr
    assert "hint: give --database postgresql+psycopg://" in served.stderr
    assert "Traceback" not in served.stderr
    assert not (tmp_path / "registry.db").exists()  # refused before anything was opened


def test_workers_refuse_an_unparsable_database_url(tmp_path: Path) -> None:
    served = subprocess.run(
        [str(FDPD), "registry", "serve", "--workers", "3", "--database", "not a url"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode == 2
    assert "needs a PostgreSQL database, not an unparsable URL" in served.stderr


@pytest.mark.postgres
def test_concurrent_pushes_into_two_workers(tmp_path: Path, postgres_url: str) -> None:
    with running_registry(
        tmp_path / "remote",
        database_url=postgres_url,
        shared=True,
        data_store=str(tmp_path / "store"),
        workers=2,
    ) as remote:
        users = add_pushers(postgres_url, USERS)
        stats = PushStats()
        asyncio.run(push_setup(users, remote.base_url, stats))
        grant_team_namespaces(postgres_url, users)
        stats.merge(_push_for_a_while(users, remote, tmp_path / "files"))
        assert _worker_count(remote) == 2
        log = remote.log()

    print(f"{len(stats.push_seconds)} pushes, {stats.requests} requests, "
          f"{stats.count(409, 410)} answered 409")  # fmt: skip
    assert stats.count(500, 600) == 0, stats.statuses
    assert stats.failures == []
    assert stats.count(409, 410) > 0  # the users did race for the same records
    assert len(stats.push_seconds) >= USERS
    duplicates = duplicate_natural_keys(postgres_url)
    assert not any(duplicates.values()), duplicates
    assert "Traceback" not in log
    assert _admin_rows(postgres_url) == (1, 1)


def _push_for_a_while(users: list[Pusher], remote: RunningRegistry, folder: Path) -> PushStats:
    folder.mkdir()
    return asyncio.run(
        push_until(
            users,
            remote.base_url,
            folder,
            started=time.time(),
            seconds=PUSH_SECONDS,
            epoch_seconds=EPOCH_SECONDS,
        )
    )


def _worker_count(remote: RunningRegistry) -> int:
    """Worker processes (spawned by uvicorn) of the registry's parent process."""
    pid = remote.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    cmdlines = [Path(f"/proc/{child}/cmdline").read_bytes() for child in children]
    return sum(1 for cmdline in cmdlines if b"spawn_main" in cmdline)


def _admin_rows(database_url: str) -> tuple[int, int]:
    """(users called admin, admin's tokens)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            users = conn.execute(
                text("SELECT count(*) FROM registry_user WHERE username = 'admin'")
            ).scalar_one()
            tokens = conn.execute(
                text(
                    "SELECT count(*) FROM registry_token t JOIN registry_user u "
                    "ON u.id = t.user_id WHERE u.username = 'admin'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return int(users), int(tokens)
