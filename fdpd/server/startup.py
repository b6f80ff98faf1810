"""The long-lived services fdpd runs beside its API (registry supervisor, scheduler, remotes...).

Each entry attaches one service to the context before the server starts: it puts the service
in `ctx.services` and registers its start/stop with `ctx.on_startup` / `ctx.on_shutdown`.
Adding a service is one function plus one line in `SERVICES`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fdpd.core.context import DaemonContext
from fdpd.features.updates.scheduler import attach_scheduler
from fdpd.journal.jobs import pending_jobs, running_jobs

AttachService = Callable[[DaemonContext], None]


def finish_bookkeeping_at_start(ctx: DaemonContext) -> None:
    """At fdpd's start, finish the bookkeeping an earlier fdpd left pending (in the background:
    fdpd serves meanwhile, and `status`, `commit`, `push` wait for it)."""
    tasks: set[asyncio.Task[None]] = set()

    async def start(_: DaemonContext) -> None:
        if pending_jobs(ctx.journal):
            # the job machinery only when there is bookkeeping to finish: fdpd starts sooner
            from fdpd.features.run.bookkeeping import finish_pending_bookkeeping

            task = asyncio.create_task(finish_pending_bookkeeping(ctx))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    ctx.on_startup(start)


def adopt_at_start(ctx: DaemonContext) -> None:
    """Once fdpd serves, follow the SLURM jobs an earlier fdpd left running
    (`fdpd.features.run.executors.adoption`), and keep the local registry up at fdpd's stop while
    SLURM runs jobs that record to it. The job machinery is imported only when the journal has
    running jobs: fdpd starts sooner."""

    async def start(_: DaemonContext) -> None:
        if running_jobs(ctx.journal):
            from fdpd.features.run.executors.adoption import adopt_left_running

            adopt_left_running(ctx)

    def registry_outlives_fdpd() -> str:
        if not running_jobs(ctx.journal):
            return ""
        from fdpd.features.run.executors.adoption import left_running

        return left_running(ctx)

    ctx.on_startup(start)
    ctx.services.registry_outlives_fdpd = registry_outlives_fdpd


SERVICES: list[AttachService] = [attach_scheduler, finish_bookkeeping_at_start, adopt_at_start]


def attach_services(ctx: DaemonContext) -> None:
    for attach in SERVICES:
        attach(ctx)
