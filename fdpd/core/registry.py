"""The daemon's one local-registry supervisor, and its lifecycle events in the journal."""

from __future__ import annotations

from typing import Any

from fdpd.core.context import DaemonContext
from fdpd.journal.models import FAILED, SUCCEEDED
from fdpd.supervisor import RegistrySupervisor


def registry_supervisor(ctx: DaemonContext) -> RegistrySupervisor:
    """The daemon's one supervisor, created on first use and stopped at daemon shutdown."""
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
