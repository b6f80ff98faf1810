"""`GET /v1/ping`: is fdpd there, which version, since when (no authentication needed)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from fdpd.api.deps import Context

router = APIRouter(tags=["daemon"])


class Ping(BaseModel):
    version: str
    pid: int
    socket: str | None
    started: str
    uptime_seconds: float


@router.get("/ping")
async def ping(ctx: Context) -> Ping:
    return Ping(
        version=ctx.version,
        pid=ctx.pid,
        socket=ctx.listeners.socket_path,
        started=ctx.started.isoformat(timespec="seconds"),
        uptime_seconds=round(ctx.uptime_seconds, 3),
    )
