"""Scheduled update checks: a shared remote registry, two fdp instances (ana pulls, bob pushes
newer versions), checks run now and by the schedule, restarts.

A check and the schedule's auto-update, and the settings errors, run in process (fdpctl's own
code, the daemon apps and their registries: tests/push/in_process.py; ana's scheduler on her
daemon's event loop, which runs while a test waits). Restarting fdpd is what the real fdpd,
fdpctl and registry processes are for."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from fdpd.base.paths import Locations
from fdpd.features.updates.scheduler import attach_scheduler, update_scheduler
from tests.push import in_process
from tests.push.in_process import fdp_site as fdp_in_process
from tests.push.in_process import remote_registry as remote_in_process
from tests.push.processes import Remote, Site, fdp_site, remote_registry, write_config

READ_BOB = """\
run_metadata:
  description: read bob's series
  script: python3 model.py
read:
  - data_product: {name}
    use:
      namespace: bob
"""


AnySite = Site | in_process.Site


class World:
    """The remote, ana and bob (who publishes, where a test needs him); ana's home
    (`locations`) and how to let her fdpd work while a test waits (`pause`: a real one works
    anyway; one in process on its event loop)."""

    def __init__(
        self,
        remote: Remote | in_process.Remote,
        ana: AnySite,
        bob: AnySite | None,
        locations: Locations,
        pause: Callable[[], None],
    ) -> None:
        self.remote, self.ana, self.bob = remote, ana, bob
        self.locations, self.pause = locations, pause

    def bob_publishes(self, name: str) -> str:
        """Bob runs his model writing `name` (the next patch version) and pushes it."""
        bob = self.bob
        assert bob is not None, "this world has no bob"
        project = bob.project("bob-model", {"config.yaml": write_config(name)})
        job = bob.run_model(project, "config.yaml", MODEL_WRITES=name)
        assert job["exit_status"] == 0, job["output"]
        bob.ok("commit", job["id"])
        status, result, _ = bob.stream_result("push")
        assert status == 0, result
        [product] = [i["item"] for i in result["result"]["items"] if i["item"].startswith("bob:")]
        return str(product)

    def ana_pulls(self, name: str) -> None:
        config = self.ana.root / f"read-{name.replace('/', '-')}.yaml"
        config.write_text(READ_BOB.format(name=name))
        self.ana.ok("pull", str(config))

    def ana_versions(self, name: str) -> list[str]:
        return sorted(p["version"] for p in self.ana.local("data_product", name=name))

    def set_schedule(self, text: str) -> None:
        self.locations.config_file.write_text(text)

    def checks(self, remote: str, trigger: str) -> list[tuple[str, str]]:
        return checks_in_journal(self.locations.journal_path, remote, trigger)

    def wait_for(self, condition: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            self.pause()
        raise AssertionError(f"timed out waiting for {what or condition}")

    def schedule(self) -> list[dict[str, Any]]:
        jobs: list[dict[str, Any]] = self.ana.json("schedule")["jobs"]
        return jobs


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with ExitStack() as stack:
        remote = stack.enter_context(remote_registry(tmp_path_factory.mktemp("schedule")))
        ana = stack.enter_context(fdp_site("ana"))
        ana.add_remote(remote)
        checked = ana.fdpctl("update", "--check")  # a first check: the tests restart after one
        assert checked.returncode == 0, checked.stderr
        yield World(remote, ana, None, ana.instance.locations, lambda: time.sleep(0.2))


@pytest.fixture(scope="module")
def here(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The same world in process; ana's scheduler started as fdpd's lifespan starts it."""
    with ExitStack() as stack:
        remote = stack.enter_context(remote_in_process(tmp_path_factory.mktemp("in-process")))
        ana = stack.enter_context(fdp_in_process("ana"))
        bob = stack.enter_context(fdp_in_process("bob"))
        ana.add_remote(remote)
        bob.add_remote(remote)
        attach_scheduler(ana.daemon.ctx)
        scheduler = update_scheduler(ana.daemon.ctx)
        ana.daemon.run(scheduler.start())
        try:
            yield World(
                remote, ana, bob, ana.daemon.locations, lambda: ana.daemon.run(asyncio.sleep(0.2))
            )
        finally:
            ana.daemon.run(scheduler.stop())


def checks_in_journal(journal: Path, remote: str, trigger: str) -> list[tuple[str, str]]:
    with sqlite3.connect(journal) as db:
        rows = db.execute(
            "SELECT started, outcome FROM update_check WHERE remote = ? AND trigger = ?",
            (remote, trigger),
        ).fetchall()
    return [(str(a), str(b)) for a, b in rows]


def test_a_check_finds_a_version_another_user_pushed_and_auto_update_pulls_it(
    here: World,
) -> None:
    world = here
    first = world.bob_publishes("series/a")
    world.ana_pulls("series/a")
    second = world.bob_publishes("series/a")
    assert (first, second) == ("bob:series/a@0.0.1", "bob:series/a@0.0.2")

    checked = world.ana.fdpctl("update", "--check")

    assert checked.returncode == 0, checked.stderr
    assert "origin: 1 available" in checked.stdout
    assert "bob:series/a 0.0.1 -> 0.0.2" in checked.stdout
    assert world.ana_versions("series/a") == ["0.0.1"]  # a check pulls nothing
    status = world.ana.ok("status")
    assert "1 update available (checked " in status, status
    [job] = world.schedule()
    assert job["remote"] == "origin" and job["interval"] == 6 * 3600  # the default
    assert job["last_run"]["trigger"] == "update --check"
    assert job["last_run"]["available"] == ["bob:series/a 0.0.1 -> 0.0.2"]

    world.set_schedule("schedule:\n  remotes:\n    origin: {interval: 1s, auto_update: true}\n")
    [job] = world.schedule()  # the listing re-reads the config
    assert (job["interval"], job["auto_update"]) == (1, True)

    def auto_updated() -> bool:
        """0.0.2 is local and the scheduled check that pulled it has recorded its end (the
        records come before the check's outcome: a loaded machine reads between them)."""
        pulled = world.ana_versions("series/a") == ["0.0.1", "0.0.2"]
        ended = [outcome for _, outcome in world.checks("origin", "schedule")]
        return pulled and "succeeded" in ended

    world.wait_for(auto_updated, what="the auto-update, recorded")
    world.set_schedule("schedule:\n  interval: off\n")
    [job] = world.schedule()
    assert job["next_run"] is None and job["interval"] is None
    pulled_by = [run for run in world.checks("origin", "schedule") if run[1] == "succeeded"]
    assert pulled_by, "the pull was made by a scheduled check"
    store = world.ana.store / "bob" / "series" / "a"
    # bob published the same bytes again: 0.0.2's location names 0.0.1's file, no second copy
    assert sorted(p.name for p in store.iterdir()) == ["0.0.1.csv"]
    assert "0 updates available" in world.ana.ok("status")


def test_restarting_fdpd_rebuilds_one_job_per_remote(world: World) -> None:
    world.set_schedule("schedule:\n  interval: 1h\n")
    world.ana.add_remote(world.remote, name="mirror")
    assert [job["remote"] for job in world.schedule()] == ["mirror", "origin"]

    for _ in range(2):
        world.ana.stop_daemon()
        world.ana.instance.start_daemon()
        jobs = world.schedule()
        assert [job["remote"] for job in jobs] == ["mirror", "origin"]
        assert all(job["interval"] == 3600 and job["next_run"] for job in jobs)
    assert [job["remote"] for job in world.schedule()] == ["mirror", "origin"]  # not re-added
    world.ana.ok("remote", "remove", "mirror")
    assert [job["remote"] for job in world.schedule()] == ["origin"]


def test_a_missed_interval_runs_once_right_after_start(world: World) -> None:
    world.set_schedule("schedule:\n  interval: 1h\n")
    world.ana.stop_daemon()
    journal = world.ana.instance.locations.journal_path
    with sqlite3.connect(journal) as db:  # the last check was long ago: an interval was missed
        db.execute("UPDATE update_check SET started = '2000-01-01T00:00:00.000+00:00'")
    before = len(world.checks("origin", "schedule"))

    world.ana.instance.start_daemon()

    # right after start: within the wait's ceiling, far less than the hour's interval
    world.wait_for(
        lambda: len(world.checks("origin", "schedule")) > before,
        timeout=60,
        what="the missed check",
    )
    [job] = world.schedule()
    assert job["last_run"]["trigger"] == "schedule"
    next_run = job["next_run"]
    assert next_run and _hours_from_now(next_run) > 0.9  # the next one an interval later
    time.sleep(1.5)  # the one place a quiet interval is the point: no second check follows
    assert len(world.checks("origin", "schedule")) == before + 1


def test_schedule_settings_errors_name_the_file_and_key(here: World) -> None:
    world = here
    world.set_schedule("schedule:\n  interval: 1h\n")
    assert [job["remote"] for job in world.schedule()] == ["origin"]  # the listing re-reads it
    world.set_schedule("schedule:\n  interval: 0.1s\n")
    try:
        result = world.ana.fdpctl("--json", "schedule")
    finally:
        world.set_schedule("schedule:\n  interval: 1h\n")
    # the running daemon keeps its jobs; the listing says what is wrong with the file
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert [job["remote"] for job in answer["jobs"]] == ["origin"]
    assert "config.yaml" in answer["config_error"] and "schedule.interval" in answer["config_error"]


def _hours_from_now(iso: str) -> float:
    from datetime import UTC, datetime

    return (datetime.fromisoformat(iso) - datetime.now(UTC)).total_seconds() / 3600


def test_interval_settings_are_checked(tmp_path: Path) -> None:
    from fdpd.base.errors import FdpError
    from fdpd.base.paths import resolve_locations
    from fdpd.base.settings import load_settings

    locations = resolve_locations({"FDP_HOME": str(tmp_path)})
    locations.config_file.parent.mkdir(parents=True, exist_ok=True)
    locations.config_file.write_text(
        "schedule:\n  interval: 30m\n  remotes:\n    origin: {auto_update: true}\n"
    )
    schedule = load_settings(locations, {}).schedule
    assert (
        schedule.for_remote("origin").interval == 1800 and schedule.for_remote("origin").auto_update
    )
    assert (
        schedule.for_remote("other").interval == 1800
        and not schedule.for_remote("other").auto_update
    )
    for bad in ("0.5", "soon", "-1h", "nan"):
        locations.config_file.write_text(f"schedule:\n  interval: {bad}\n")
        with pytest.raises(FdpError, match=r"schedule\.interval"):
            load_settings(locations, {})
