"""`/v1/pull` and `/v1/update`: bring data from the remote into the local registry (NDJSON)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from fdpd.api.deps import Context
from fdpd.api.jobs import ConfigBody, _data_store
from fdpd.api.operations import STREAM_RESPONSES
from fdpd.api.streaming import stream_operation
from fdpd.base.wire import CheckedNow, Pulled, Updated
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.pull import PullRequest, UpdateRequest, pull_config, update_pulled
from fdpd.features.updates.checks import (
    TRIGGER_COMMAND,
    check_now,
    record_update,
    remotes_checked_by_update,
    update_lock,
)
from fdpd.remote.user_remotes import get_remote, load_remotes

router = APIRouter(tags=["pull"])


class PullBody(ConfigBody):
    remote: str | None = None
    with_provenance: bool = False


class UpdateBody(BaseModel):
    remote: str | None = None
    dry_run: bool = False
    check: bool = False  # check now, as the schedule does, and record it; never pull


@router.post("/pull", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def post_pull(ctx: Context, body: PullBody) -> StreamingResponse:
    """Register the config's `register:` items, then pull its `read:` items from the remote.
    NDJSON progress events (records, files, bytes), then a result listing every item."""
    request = PullRequest(await body.source(_data_store(ctx)), body.remote, body.with_provenance)
    arguments = {
        "config": request.source.name,
        "remote": body.remote,
        "with_provenance": body.with_provenance,
    }

    async def work(emitter: Emitter) -> Pulled:
        return await pull_config(ctx, request, emitter)

    return await stream_operation(ctx, "pull", arguments, work, cancellable=True)


@router.post("/update", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def post_update(ctx: Context, body: UpdateBody) -> StreamingResponse:
    """Pull newer remote versions of every pulled data product (`dry_run`: only report them;
    `check`: report and record them as an update check). What was found is recorded per remote
    for `status`."""
    if body.check:
        return await _check_now(ctx, body.remote)
    request = UpdateRequest(body.remote, body.dry_run)

    async def work(emitter: Emitter) -> Updated:
        async with update_lock(ctx):
            result = await update_pulled(ctx, request, emitter)
        covered = remotes_checked_by_update(ctx, body.remote)
        record_update(ctx.journal, covered, result, emitter.operation_id)
        return result

    arguments = {"remote": body.remote, "dry_run": body.dry_run}
    return await stream_operation(ctx, "update", arguments, work, cancellable=True)


async def _check_now(ctx: DaemonContext, remote: str | None) -> StreamingResponse:
    names = (
        [get_remote(ctx.locations, remote).name] if remote else sorted(load_remotes(ctx.locations))
    )
    if not names:
        get_remote(ctx.locations)  # raises: no remote configured, and how to add one

    async def work(emitter: Emitter) -> CheckedNow:
        return await check_now(ctx, names, emitter)

    arguments = {"remote": remote, "trigger": TRIGGER_COMMAND}
    return await stream_operation(ctx, "update check", arguments, work, cancellable=True)
