"""`/v1/push`: send every committed item to a remote; NDJSON progress, then the outcome."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from fdpd.api.deps import Context
from fdpd.api.operations import STREAM_RESPONSES
from fdpd.api.streaming import stream_operation
from fdpd.base.wire import Pushed
from fdpd.core.operations import Emitter
from fdpd.features.push import push_committed
from fdpd.features.run.bookkeeping import finish_pending_bookkeeping

router = APIRouter(tags=["sync"])


class PushBody(BaseModel):
    remote: str | None = Field(default=None, description="remote name; default origin")
    dry_run: bool = Field(default=False, description="show what would be sent; write nothing")


@router.post("/push", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def post_push(ctx: Context, body: PushBody) -> StreamingResponse:
    """Files first, then records; events: progress (files, bytes, records), warnings (what
    was withheld and why), then a result listing each committed item's outcome."""

    async def work(emitter: Emitter) -> Pushed:
        return await push_committed(
            ctx, body.remote, body.dry_run, emitter, settle=finish_pending_bookkeeping
        )

    arguments = {"remote": body.remote, "dry_run": body.dry_run}
    return await stream_operation(ctx, "push", arguments, work, cancellable=True)
