"""The `process` marker (tests/conftest.py) finds the tests that start processes by what their
functions and fixtures use, so `pytest -m "not process"` runs only tests in process."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tests.conftest import _starts_processes, effective
from tests.fdp_process import FdpInstance
from tests.inprocess import registry_in_process
from tests.registry.running_registry import running_registry
from tests.sync import test_push, test_push_killed
from tests.users import test_config


def starts_fdpd(home: Path) -> None:
    with FdpInstance(home) as fdp:
        fdp.start_daemon()


def starts_a_registry(folder: Path) -> None:
    with running_registry(folder):
        pass


def runs_git(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", str(folder)], check=True)


def calls_a_helper_that_starts_fdpd(home: Path) -> None:
    starts_fdpd(home)


def in_process(folder: Path) -> None:
    with registry_in_process(folder) as registry:
        registry.get("/api/")


def imports_subprocess_itself(folder: Path) -> None:
    import subprocess as run_here

    run_here.run(["git", "init", "-q", str(folder)], check=True)


def reads_an_attribute_named_like_a_starter(harness: SimpleNamespace) -> object:
    """`harness.starts_fdpd` is an attribute, not this module's function of that name."""
    return harness.starts_fdpd


# (in tuples: a test naming these functions itself would be marked `process`)
STARTERS = (
    starts_fdpd,
    starts_a_registry,
    runs_git,
    calls_a_helper_that_starts_fdpd,
    imports_subprocess_itself,
)
NOT_STARTERS = (in_process, reads_an_attribute_named_like_a_starter)


def test_what_starts_a_process_is_found_through_helpers() -> None:
    verdicts: dict[int, bool] = {}
    for starter in STARTERS:
        assert _starts_processes(starter, verdicts), starter.__name__
    for function in NOT_STARTERS:
        assert not _starts_processes(function, verdicts), function.__name__


def test_the_suites_own_tests_are_told_apart() -> None:
    verdicts: dict[int, bool] = {}
    assert _starts_processes(test_push_killed.test_push_killed_mid_way_then_resumed, verdicts)
    assert _starts_processes(test_config.fdp, verdicts)  # the fixture of the real fdpctl test
    assert not _starts_processes(test_push.test_private_data_is_never_uploaded, verdicts)
    assert not _starts_processes(test_config.daemon, verdicts)


def definition(func: Any, *argnames: str) -> Any:
    """A stand-in for pytest's FixtureDef: the two attributes the marker reads."""
    return SimpleNamespace(func=func, argnames=argnames)


def test_only_the_fixture_definitions_a_test_runs_are_judged() -> None:
    """A module that overrides a conftest's process fixture with one in process is in process;
    an override that asks for the fixture it overrides (by its own name) runs both."""
    starter, in_process_ = STARTERS[0], NOT_STARTERS[0]
    conftest_s = definition(starter, "home")
    overridden = effective("fdp", [conftest_s, definition(in_process_, "folder")])
    assert [d.func for d in overridden] == [in_process_]
    extended = effective("fdp", [conftest_s, definition(in_process_, "fdp")])
    assert [d.func for d in extended] == [in_process_, starter]
    assert [d.func for d in effective("fdp", [conftest_s])] == [starter]
