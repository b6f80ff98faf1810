"""`/v1/registry/...`: status, start (hold until stopped) and stop of the local registry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fdpd.journal.models import FAILED, SUCCEEDED
from fdpd.server.context import Context, DaemonContext
from fdpd.supervisor import RegistrySupervisor

router = APIRouter(prefix="/registry", tags=["registry"])

USER_HOLD = "fdpctl registry start"


def registry_supervisor(ctx: DaemonContext) -> RegistrySupervisor:
    """The daemon's one supervisor, created on first use and stopped at daemon shutdown."""
    supervisor = ctx.services.get("registry")
    if isinstance(supervisor, RegistrySupervisor):
        return supervisor
    supervisor = RegistrySupervisor(
        ctx.locations,
        ctx.settings.registry,
        on_event=lambda kind, details: _record(ctx, kind, details),
    )
    ctx.services["registry"] = supervisor

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


@router.get("/status")
async def status(ctx: Context) -> dict[str, Any]:
    return registry_supervisor(ctx).status()


@router.post("/start")
async def start(ctx: Context) -> dict[str, Any]:
    """Start the registry if needed and hold it until `POST /v1/registry/stop`."""
    supervisor = registry_supervisor(ctx)
    if USER_HOLD not in supervisor.status()["holders"]:
        await supervisor.acquire(USER_HOLD)
    return supervisor.status()


@router.post("/stop")
async def stop(ctx: Context) -> dict[str, Any]:
    """Drop the user's hold; stop now unless a run or another operation still needs it."""
    supervisor = registry_supervisor(ctx)
    while USER_HOLD in supervisor.status()["holders"]:
        await supervisor.release(USER_HOLD)
    if not supervisor.status()["holders"]:
        await supervisor.stop()
    return supervisor.status()
