"""The long-lived services fdpd runs beside its API (registry supervisor, scheduler, remotes...).

Each entry attaches one service to the context before the server starts: it puts the service
in `ctx.services` and registers its start/stop with `ctx.on_startup` / `ctx.on_shutdown`.
Adding a service is one function plus one line in `SERVICES`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fdpd.core.context import DaemonContext
from fdpd.journal.jobs import pending_jobs
from fdpd.scheduler import attach_scheduler

AttachService = Callable[[DaemonContext], None]


def finish_bookkeeping_at_start(ctx: DaemonContext) -> None:
    """At fdpd's start, finish the bookkeeping an earlier fdpd left pending (in the background:
    fdpd serves meanwhile, and `status`, `commit`, `push` wait for it)."""
    tasks: set[asyncio.Task[None]] = set()

    async def start(_: DaemonContext) -> None:
        if pending_jobs(ctx.journal):
            # the job machinery only when there is bookkeeping to finish: fdpd starts sooner
            from fdpd.jobs.bookkeeping import finish_pending_bookkeeping

            task = asyncio.create_task(finish_pending_bookkeeping(ctx))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    ctx.on_startup(start)


SERVICES: list[AttachService] = [attach_scheduler, finish_bookkeeping_at_start]


def attach_services(ctx: DaemonContext) -> None:
    for attach in SERVICES:
        attach(ctx)
