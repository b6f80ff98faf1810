"""`/v1/registry/...`: status, start (hold until stopped), open (start and sign a browser in) and
stop of the local registry."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import APIRouter

from fdpd.api.deps import Context
from fdpd.base.errors import FdpError
from fdpd.base.fair_token import keep_fair_token
from fdpd.base.wire import RegistryOpened, RegistryState
from fdpd.journal.users import find_active_user
from fdpd.local_registry.lifecycle import (
    browser_url,
    hold_for_user,
    registry_supervisor,
    release_for_user,
)
from fdpd.shared.fdp_users import read_user_token

log = logging.getLogger(__name__)

router = APIRouter(prefix="/registry", tags=["registry"])


@router.get("/status")
async def status(ctx: Context) -> RegistryState:
    """The supervisor's state (no login code: only `open` mints one)."""
    return registry_supervisor(ctx).status()


@router.post("/start")
async def start(ctx: Context) -> RegistryState:
    """Start the registry if needed and hold it until `POST /v1/registry/stop`; as
    `fair registry start` (and `fair init --ci`) did, leave the active user's token in
    `~/.fair/registry/token` for model code run by hand (unless FAIR-CLI owns that file)."""
    supervisor = registry_supervisor(ctx)
    await hold_for_user(supervisor)
    await _keep_fair_token(ctx)
    return supervisor.status()


@router.post("/open")
async def open_web_view(ctx: Context) -> RegistryOpened:
    """`start`, then `browser_url`: the web view with a fresh one-time login code for the active
    fdp user (null when the registry is not fdp's own)."""
    supervisor = registry_supervisor(ctx)
    await hold_for_user(supervisor)
    user = find_active_user(ctx.journal)
    token = supervisor.token
    if user is not None:
        # without the user's token file (gone), the registry's own token still opens it
        with contextlib.suppress(FdpError):
            token = read_user_token(user)
    return {**supervisor.status(), "browser_url": await browser_url(supervisor, token)}


async def _keep_fair_token(ctx: Context) -> None:
    """A failure here only warns in the log: the registry runs either way."""
    user = find_active_user(ctx.journal)
    if user is None:
        return
    path = ctx.locations.fair_registry_token_path
    try:
        await asyncio.to_thread(keep_fair_token, path, read_user_token(user))
    except (OSError, FdpError) as error:
        log.warning("could not keep %s in step: %s", path, error)


@router.post("/stop")
async def stop(ctx: Context) -> RegistryState:
    """Drop the user's hold; stop now unless a run or another operation still needs it."""
    supervisor = registry_supervisor(ctx)
    await release_for_user(supervisor)
    return supervisor.status()
