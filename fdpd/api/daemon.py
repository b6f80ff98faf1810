"""`/v1/daemon/...`: status, stop, and the self-check operation."""

from __future__ import annotations

import sys

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from fdpd.api.deps import Context
from fdpd.api.streaming import NDJSON, stream_operation
from fdpd.base.wire import DaemonRegistry, DaemonStatus, Stopping
from fdpd.core.context import DaemonContext
from fdpd.features.daemon_check import run_self_check

router = APIRouter(prefix="/daemon", tags=["daemon"])


@router.get("/status")
async def status(ctx: Context) -> DaemonStatus:
    where = ctx.locations
    return {
        "version": ctx.version,
        "pid": ctx.pid,
        "python": sys.version.split()[0],
        "started": ctx.started.isoformat(timespec="seconds"),
        "uptime_seconds": round(ctx.uptime_seconds, 3),
        "listeners": {
            "socket": ctx.listeners.socket_path,
            "tcp": ctx.listeners.tcp_address,
            "socket_activated": ctx.listeners.socket_activated,
        },
        "locations": {
            "config_dir": str(where.config_dir),
            "state_dir": str(where.state_dir),
            "data_dir": str(where.data_dir),
            "journal": str(where.journal_path),
            "log": str(where.daemon_log_path),
        },
        "running_operations": sorted(ctx.running_operations),
        "registry": _registry(ctx),
    }


@router.post("/stop")
async def stop(ctx: Context) -> Stopping:
    """Shut fdpd down gracefully; the answer is sent before it goes."""
    ctx.request_stop()
    return {"stopping": True, "pid": ctx.pid}


@router.post(
    "/check",
    response_class=StreamingResponse,
    responses={200: {"content": {NDJSON: {}}, "description": "NDJSON operation events"}},
)
async def check(ctx: Context) -> StreamingResponse:
    """Check fdpd's folders, files, journal and disk space (streams operation events)."""

    return await stream_operation(
        ctx, "daemon check", {}, lambda emitter: run_self_check(ctx, emitter)
    )


def _registry(ctx: DaemonContext) -> DaemonRegistry:
    """The local registry's state, without making its supervisor (status stays light: no httpx)."""
    settings = ctx.settings.registry
    if settings.external_url is not None:
        return {"state": "external", "url": settings.url}
    running = ctx.services.registry
    if running is None:
        return {"state": "stopped", "url": settings.url}  # not used since fdpd started
    state = running.status()
    return {"state": state["state"], "url": state["url"]}
