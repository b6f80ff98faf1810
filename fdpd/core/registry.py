"""The daemon's one local-registry supervisor, and its lifecycle events in the journal."""

from __future__ import annotations

import logging
from typing import Any

from fdpd.core.context import DaemonContext
from fdpd.errors import FdpError
from fdpd.journal.models import FAILED, SUCCEEDED
from fdpd.remote.local_registry import LocalRegistryService
from fdpd.supervisor import RegistrySupervisor

log = logging.getLogger(__name__)


def registry_supervisor(ctx: DaemonContext) -> LocalRegistryService:
    """The daemon's local registry: its one supervisor, created on first use and stopped at
    daemon shutdown (unless the context was given one, as in-process tests give the app)."""
    supervisor = ctx.services.registry
    if supervisor is not None:
        return supervisor
    supervisor = RegistrySupervisor(
        ctx.locations,
        ctx.settings.registry,
        on_event=lambda kind, details: _record(ctx, kind, details),
    )
    ctx.services.registry = supervisor

    async def stop_registry(_: DaemonContext) -> None:
        await supervisor.stop()

    ctx.on_shutdown(stop_registry)
    return supervisor


def _record(ctx: DaemonContext, kind: str, details: dict[str, Any]) -> None:
    """Keep registry lifecycle events (start, stop, restart, adoption) in the journal."""
    operation = ctx.journal.start_operation(kind.replace("_", " "), details)
    assert operation.id is not None
    outcome = FAILED if kind == "registry_restart" else SUCCEEDED
    ctx.journal.finish_operation(operation.id, outcome)


async def browser_url(supervisor: LocalRegistryService) -> str | None:
    """The registry's web view with a fresh one-time login code, so the user's browser sees
    their private items; None unless fdp's own registry is running (a code is never logged)."""
    if supervisor.status()["state"] != "running" or not supervisor.manages_database:
        return None
    try:
        async with supervisor.requests() as registry:
            answer = await registry.post_route("fdp/login-code", supervisor.token)
    except FdpError as error:
        log.warning("the local registry gave no login code: %s", error.message)
        return None
    path = answer.get("path")
    if not isinstance(path, str):
        log.warning("the local registry's login code answer has no path")
        return None
    return supervisor.url.removesuffix("/").removesuffix("/api") + path
