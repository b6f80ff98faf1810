"""The long-lived services fdpd runs beside its API (registry supervisor, scheduler, remotes...).

Each entry attaches one service to the context before the server starts: it puts the service
in `ctx.services` and registers its start/stop with `ctx.on_startup` / `ctx.on_shutdown`.
Adding a service is one function plus one line in `SERVICES`.
"""

from __future__ import annotations

from collections.abc import Callable

from fdpd.core.context import DaemonContext
from fdpd.executors.adoption import adopt_at_start
from fdpd.jobs.bookkeeping import finish_bookkeeping_at_start
from fdpd.scheduler import attach_scheduler

AttachService = Callable[[DaemonContext], None]

SERVICES: list[AttachService] = [attach_scheduler, finish_bookkeeping_at_start, adopt_at_start]


def attach_services(ctx: DaemonContext) -> None:
    for attach in SERVICES:
        attach(ctx)
