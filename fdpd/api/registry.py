"""`/v1/registry/...`: status, start (hold until stopped) and stop of the local registry."""

from __future__ import annotations

from fastapi import APIRouter

from fdpd.api.deps import Context
from fdpd.core.registry import browser_url, registry_supervisor
from fdpd.wire import RegistryState, RegistryStatus

router = APIRouter(prefix="/registry", tags=["registry"])

USER_HOLD = "fdpctl registry start"


@router.get("/status")
async def status(ctx: Context) -> RegistryStatus:
    """The supervisor's state; when running, `browser_url` opens the web view signed in."""
    supervisor = registry_supervisor(ctx)
    return {**supervisor.status(), "browser_url": await browser_url(supervisor)}


@router.post("/start")
async def start(ctx: Context) -> RegistryState:
    """Start the registry if needed and hold it until `POST /v1/registry/stop`."""
    supervisor = registry_supervisor(ctx)
    if USER_HOLD not in supervisor.status()["holders"]:
        await supervisor.acquire(USER_HOLD)
    return supervisor.status()


@router.post("/stop")
async def stop(ctx: Context) -> RegistryState:
    """Drop the user's hold; stop now unless a run or another operation still needs it."""
    supervisor = registry_supervisor(ctx)
    while USER_HOLD in supervisor.status()["holders"]:
        await supervisor.release(USER_HOLD)
    if not supervisor.status()["holders"]:
        await supervisor.stop()
    return supervisor.status()
