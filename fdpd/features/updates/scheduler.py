"""Background update checks: one APScheduler job per remote, inside fdpd's event loop.

Jobs live in APScheduler's memory store and are rebuilt from the config (`remotes.yaml` and the
`schedule` section of `config.yaml`) at start and whenever the config changes; what survives a
restart is the journal: when each remote's checks began and when it was last checked. The first
run of a job is one interval after that last check, or right away if that moment has passed, so a
daemon that was down (or a laptop that slept) checks once on its return, not never and not once
per missed interval (`coalesce`, unlimited misfire grace).

fdpd starts the scheduler `START_DELAY` seconds after it is built, with APScheduler imported in a
worker thread meanwhile: the first command fdpd answers does not wait for either (`fdpctl
schedule` starts it at once if asked before).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.settings import RemoteSchedule, load_settings
from fdpd.base.wire import ScheduledCheck
from fdpd.core.context import DaemonContext
from fdpd.core.operations import FINAL_TYPES, Emitter, start_operation
from fdpd.core.services import Scheduler
from fdpd.journal.update_checks import last_check, last_started, schedule_since

if TYPE_CHECKING:
    from apscheduler.job import Job
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

# seconds from fdpd's start to the scheduler's: a check due at start waits this long
START_DELAY = 1.0
APSCHEDULER_MODULES = ("apscheduler.schedulers.asyncio", "apscheduler.triggers.interval")
# what the scheduler imports before it starts, in a worker thread: APScheduler, and the reader of
# remotes.yaml (with PyYAML), which fdpd's first answers do not need
STARTING_MODULES = (*APSCHEDULER_MODULES, "fdpd.remote.user_remotes")

JOB_PREFIX = "update check "
REFRESH_JOB = "refresh"
# The refresh job re-reads the config, and also wakes the scheduler up: its timer runs on the
# monotonic clock, which stands still while a laptop sleeps, so a check due during the sleep
# would otherwise wait out the rest of its timer after wake-up.
REFRESH_INTERVAL = 60.0


class UpdateScheduler:
    """The daemon's one scheduler: start, refresh jobs from the config, list them, stop."""

    def __init__(self, ctx: DaemonContext) -> None:
        self.ctx = ctx
        self._scheduler: AsyncIOScheduler | None = None
        self.wanted: dict[str, RemoteSchedule] = {}  # by remote, as the jobs were made
        self.config_error: str | None = None  # why the last refresh kept the old jobs

    @property
    def scheduler(self) -> AsyncIOScheduler:
        """APScheduler's scheduler, made (and APScheduler imported) on first use."""
        if self._scheduler is None:
            from apscheduler.schedulers.asyncio import AsyncIOScheduler

            self._scheduler = AsyncIOScheduler(timezone=UTC)
        return self._scheduler

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    async def start(self) -> None:
        self.start_now()

    async def start_later(self) -> None:
        """Start after `START_DELAY` seconds, APScheduler imported in a worker thread meanwhile."""
        await asyncio.sleep(START_DELAY)
        try:
            for module in STARTING_MODULES:
                await asyncio.to_thread(importlib.import_module, module)
            self.start_now()
        except Exception:  # as a failed start hook was: logged, fdpd serves on
            log.exception("the update scheduler did not start")

    def start_now(self) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        if self.scheduler.running:
            return
        self.scheduler.start()
        self.scheduler.add_job(
            self._refresh_job,
            IntervalTrigger(seconds=REFRESH_INTERVAL),
            id=REFRESH_JOB,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        self.refresh()

    async def stop(self) -> None:
        if self.running:
            assert self._scheduler is not None
            self._scheduler.shutdown(wait=False)

    def refresh(self) -> None:
        """Make the jobs match the config: one per remote whose interval is not `off`."""
        try:
            configured = self._configured()
        except FdpError as exc:
            log.warning("update checks keep their old schedule: %s", exc.message)
            self.config_error = exc.message
            return
        self.config_error = None
        for remote in list(self.wanted):
            if remote not in configured or configured[remote] != self.wanted[remote]:
                self._remove(remote)
        for remote, schedule in sorted(configured.items()):
            if remote not in self.wanted:
                self._add(remote, schedule)

    async def _refresh_job(self) -> None:
        # A coroutine, so APScheduler runs it on the loop rather than in a worker thread.
        self.refresh()

    def jobs(self) -> list[ScheduledCheck]:
        """Every configured remote with its job's next run and its last check."""
        self.start_now()  # asked before fdpd started it (`START_DELAY`)
        self.refresh()
        by_remote = {
            job.id.removeprefix(JOB_PREFIX): job
            for job in self.scheduler.get_jobs()
            if job.id.startswith(JOB_PREFIX)
        }
        rows = [self._row(remote, job) for remote, job in sorted(by_remote.items())]
        off = sorted(
            set(self.wanted if self.config_error else self._remote_names()) - set(by_remote)
        )
        return rows + [self._row(remote, None) for remote in off]

    def _configured(self) -> dict[str, RemoteSchedule]:
        schedule = load_settings(self.ctx.locations).schedule
        found = {name: schedule.for_remote(name) for name in self._remote_names()}
        return {name: plan for name, plan in found.items() if plan.interval is not None}

    def _remote_names(self) -> list[str]:
        from fdpd.remote.user_remotes import load_remotes

        return sorted(load_remotes(self.ctx.locations))

    def _add(self, remote: str, schedule: RemoteSchedule) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        assert schedule.interval is not None
        interval = timedelta(seconds=schedule.interval)
        self.scheduler.add_job(
            self._run_check,
            IntervalTrigger(seconds=schedule.interval),
            args=[remote],
            id=JOB_PREFIX + remote,
            name=f"update check of {remote}",
            next_run_time=self._first_run(remote, interval),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            replace_existing=True,
        )
        self.wanted[remote] = schedule

    def _remove(self, remote: str) -> None:
        job = self.scheduler.get_job(JOB_PREFIX + remote)
        if job is not None:
            job.remove()
        self.wanted.pop(remote, None)

    def _first_run(self, remote: str, interval: timedelta) -> datetime:
        """One interval after the last check (or after checks began); now if that has passed."""
        now = datetime.now(UTC)
        since = last_started(self.ctx.journal, remote) or schedule_since(self.ctx.journal, remote)
        return max(since + interval, now)

    async def _run_check(self, remote: str) -> None:
        """The job: a journaled `update check` operation; returns when it has ended."""
        plan = self.wanted.get(remote)
        if plan is None:
            return
        auto_update = plan.auto_update
        # fdpd imports the update machinery (pulling, httpx) when a check first runs, not at start
        from fdpd.features.updates.checks import TRIGGER_SCHEDULE, check_remote, check_view

        async def work(emitter: Emitter) -> dict[str, Any]:
            check = await check_remote(
                self.ctx, remote, trigger=TRIGGER_SCHEDULE, pull=auto_update, emitter=emitter
            )
            return {"remote": remote, "auto_update": auto_update, **(check_view(check) or {})}

        arguments = {"remote": remote, "trigger": TRIGGER_SCHEDULE, "auto_update": auto_update}
        try:
            emitter = start_operation(self.ctx, "update check", arguments, work, cancellable=True)
        except FdpError:
            return  # shutting down
        events = emitter.listen()
        try:
            while (await events.get())["type"] not in FINAL_TYPES:
                pass
        finally:
            emitter.unlisten(events)

    def _row(self, remote: str, job: Job | None) -> ScheduledCheck:
        from fdpd.features.updates.checks import check_view  # see _run_check

        plan = self.wanted.get(remote)
        next_run = job.next_run_time if job is not None else None
        return {
            "remote": remote,
            "interval": plan.interval if plan and job else None,
            "auto_update": plan.auto_update if plan and job else False,
            "next_run": next_run.isoformat(timespec="seconds") if next_run else None,
            "last_run": check_view(last_check(self.ctx.journal, remote)),
        }


def update_scheduler(ctx: DaemonContext) -> Scheduler:
    scheduler = ctx.services.scheduler
    if scheduler is None:
        raise FdpError(
            "fdpd's update scheduler is not running",
            hint="restart fdpd (`fdpctl daemon stop`, then any command)",
            code=ErrorCode.NO_SCHEDULER,
        )
    return scheduler


def attach_scheduler(ctx: DaemonContext) -> None:
    """The `SERVICES` entry: one scheduler per daemon, started and stopped with its lifespan."""
    if ctx.services.scheduler is not None:
        return
    scheduler = UpdateScheduler(ctx)
    ctx.services.scheduler = scheduler
    starting: list[asyncio.Task[None]] = []

    async def start(_: DaemonContext) -> None:
        starting.append(asyncio.create_task(scheduler.start_later()))

    async def stop(_: DaemonContext) -> None:
        for task in starting:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await scheduler.stop()

    ctx.on_startup(start)
    ctx.on_shutdown(stop)
