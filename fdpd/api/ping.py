"""`GET /v1/ping`: is fdpd there, which version, since when (no authentication needed)."""

from __future__ import annotations

from fastapi import APIRouter

from fdpd.api.deps import Context
from fdpd.base.wire import Ping

router = APIRouter(tags=["daemon"])


@router.get("/ping")
async def ping(ctx: Context) -> Ping:
    return {
        "version": ctx.version,
        "pid": ctx.pid,
        "socket": ctx.listeners.socket_path,
        "started": ctx.started.isoformat(timespec="seconds"),
        "uptime_seconds": round(ctx.uptime_seconds, 3),
    }
