"""One real fdpd per security test package: its own FDP_HOME, a free registry port, user `ana`;
and one fdp in process (tests/inprocess.py) set up alike, for the refusals that are the daemon
app's own (a listener, a socket or a process proves nothing there).

`state_of(fdp)` is what "no state change" means in these tests: every row of every journal table
and of the local registry's tables, and the names of the files under FDP_HOME (logs, which record
each request, and SQLite's side files excepted).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.inprocess import InProcessDaemon, daemon_in_process

USER = "ana"
# Tables that record every attempt, rejected or not: an operation that fails is still logged
# (sqlite_sequence holds the operation log's last id).
ATTEMPT_LOG_TABLES = frozenset({"operation", "operation_event", "sqlite_sequence"})
VOLATILE_SUFFIXES = ("-wal", "-shm", "-journal", ".log", ".lock", ".pid", ".sock")

State = dict[str, Any]


@pytest.fixture(scope="package")
def secured_fdp() -> Iterator[FdpInstance]:
    home = Path(tempfile.mkdtemp(prefix="fdp-sec-", dir="/tmp"))
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    try:
        with FdpInstance(home, {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}) as fdp:
            fdp.start_daemon()
            try:
                setup = fdp.run_fdpctl("config", USER, "--data-store", str(home / "store"))
                assert setup.returncode == 0, setup.stderr
                yield fdp
            finally:  # a graceful stop also stops the local registry fdpd started
                fdp.run_fdpctl("daemon", "stop", timeout=60)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="package")
def secured_daemon() -> Iterator[InProcessDaemon]:
    """fdp in process with user `ana` (as `fdpctl config ana --data-store ...` makes her)."""
    home = Path(tempfile.mkdtemp(prefix="fdp-sec-", dir="/tmp"))
    try:
        with daemon_in_process(home) as daemon:
            body = {"username": USER, "data_store": str(home / "store")}
            answer = daemon.call("POST", "/v1/users", body)
            assert answer.status_code == 200, answer.text
            yield daemon
    finally:
        shutil.rmtree(home, ignore_errors=True)


def sqlite_rows(database: Path, skip: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
    """Every row of every table of a SQLite database, sorted; {} when it does not exist."""
    if not database.exists():
        return {}
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if name not in skip
        ]
        return {
            table: sorted(map(repr, connection.execute(f'SELECT * FROM "{table}"')))
            for table in tables
        }
    finally:
        connection.close()


def file_names(home: Path) -> list[str]:
    return sorted(
        str(path.relative_to(home))
        for path in home.rglob("*")
        if not path.name.endswith(VOLATILE_SUFFIXES)
    )


def state_of(fdp: FdpInstance | InProcessDaemon, *, with_attempt_log: bool = True) -> State:
    skip = frozenset() if with_attempt_log else ATTEMPT_LOG_TABLES
    return {
        "journal": sqlite_rows(fdp.locations.journal_path, skip),
        "registry": sqlite_rows(fdp.locations.registry_database_path),
        "files": file_names(fdp.home),
    }
