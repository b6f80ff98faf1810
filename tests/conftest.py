"""Fixtures shared by every test area: private homes, free ports, a real PostgreSQL database;
and the `process` marker on every test that starts processes (`pytest -m "not process"`: the
fast, in-process part of the suite)."""

from __future__ import annotations

import dis
import fcntl
import inspect
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import CodeType, FunctionType, ModuleType
from typing import Any

import pytest

from tests.postgres_database import fresh_database

PORT_8000_LOCK = Path(tempfile.gettempdir()) / "fdp-tests-port8000.lock"

# What starts a process: code of the test tree that uses one of these, or uses (calls,
# subclasses) code of the test tree that does, e.g. tests/fdp_process.py's `FdpInstance` or
# tests/registry/running_registry.py's `running_registry`.
PROCESS_MODULES = frozenset({"subprocess", "multiprocessing", "playwright.sync_api"})
PROCESS_NAMES = frozenset({"create_subprocess_exec", "create_subprocess_shell", "Popen"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `process` every test whose function, or a fixture it uses, starts processes, so a
    new test is marked without being told (`pytest -m "not process"`: the in-process part)."""
    verdicts: dict[int, bool] = {}
    for item in items:
        functions = [getattr(item, "function", None)]
        fixture_info = getattr(item, "_fixtureinfo", None)
        for name, definitions in fixture_info.name2fixturedefs.items() if fixture_info else ():
            functions += [definition.func for definition in effective(name, definitions)]
        if any(_starts_processes(f, verdicts) for f in functions if inspect.isfunction(f)):
            item.add_marker(pytest.mark.process)


def effective(
    name: str, definitions: Sequence[pytest.FixtureDef[Any]]
) -> list[pytest.FixtureDef[Any]]:
    """The definitions of fixture `name` a test really runs: the nearest one (a module's override
    of a conftest's fixture), and the one it overrides only if it asks for it by its own name."""
    used: list[pytest.FixtureDef[Any]] = []
    for definition in reversed(definitions):
        used.append(definition)
        if name not in definition.argnames:
            break
    return used


def _starts_processes(function: FunctionType, verdicts: dict[int, bool]) -> bool:
    key = id(function)
    if key not in verdicts:
        verdicts[key] = False  # a recursion decides nothing
        code = inspect.unwrap(function)  # a @contextmanager's own function, not its wrapper
        found = _used(code.__code__, code.__globals__)
        verdicts[key] = any(_starts(value, verdicts) for value in found if value is not None)
    return verdicts[key]


def _used(code: CodeType, namespace: dict[str, Any]) -> Iterator[object]:
    """What `code` (and the functions and classes defined in it) may use: the global names it
    loads and the modules and names it imports. An attribute (`x.remote_registry`) is not a
    global name: only `LOAD_GLOBAL`/`LOAD_NAME` are read, so it is never mistaken for one."""
    module: object = None
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            yield namespace.get(instruction.argval)
        elif instruction.opname == "IMPORT_NAME":
            module = sys.modules.get(instruction.argval)
            yield module
        elif instruction.opname == "IMPORT_FROM":
            yield getattr(module, instruction.argval, None)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            yield from _used(constant, namespace)


def _starts(value: object, verdicts: dict[int, bool]) -> bool:
    if isinstance(value, ModuleType):
        return value.__name__ in PROCESS_MODULES
    if getattr(value, "__name__", None) in PROCESS_NAMES:
        return True
    if not str(getattr(value, "__module__", "")).startswith("tests"):
        return False
    if inspect.isfunction(value):
        return _starts_processes(value, verdicts)
    if inspect.isclass(value):
        members = [m for klass in value.__mro__ for m in vars(klass).values()]
        methods = [getattr(m, "fget", m) for m in members]  # a property's getter too
        functions = [f for f in methods if inspect.isfunction(f)]
        return any(_starts_processes(f, verdicts) for f in functions)
    return False


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
