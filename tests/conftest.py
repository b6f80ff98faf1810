"""Fixtures shared by every test area: private homes, free ports, a real PostgreSQL database."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_database import fresh_database

PORT_8000_LOCK = Path(tempfile.gettempdir()) / "fdp-tests-port8000.lock"


@pytest.fixture(autouse=True)
def one_test_on_port_8000_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests marked port8000 bind the fixed compatibility port: under `pytest -n N` they take
    turns, whichever worker runs them (an flock, released if the worker dies)."""
    if request.node.get_closest_marker("port8000") is None:
        yield
        return
    with PORT_8000_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def free_port() -> int:
    """An ephemeral TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fdp_home() -> Iterator[Path]:
    """A fresh FDP_HOME with a short path (Unix socket paths are limited to ~104 bytes)."""
    home = Path(tempfile.mkdtemp(prefix="fdp-", dir="/tmp"))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of a real PostgreSQL server whose role may create databases.

    `.ci/run` starts Debian's PostgreSQL and exports FDP_TEST_POSTGRES_URL. Without it the
    PostgreSQL tests are skipped locally, but never in CI, where a missing server is a failure.
    """
    url = os.environ.get("FDP_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("FDP_TEST_POSTGRES_URL is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("FDP_TEST_POSTGRES_URL not set (bash .ci/run sets it up)")
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_database(postgres_server_url) as url:
        yield url
