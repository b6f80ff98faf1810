"""`/v1/operations`: what fdpd did (from the journal), replayed or followed as NDJSON; a running
operation asked to stop (`POST /v1/operations/ID/cancel`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from fdpd.api.deps import Context
from fdpd.api.streaming import NDJSON, ndjson_line
from fdpd.base.wire import CancelOut, OperationList, OperationOut, Outcome
from fdpd.core.context import DaemonContext
from fdpd.core.operations import next_event_or_shutdown, request_cancel
from fdpd.journal.models import RUNNING, Operation
from fdpd.journal.queries import job_of_operation

# Ids are SQLite integers; a larger number would overflow the query, not just find nothing.
OperationId = Annotated[int, Path(ge=1, le=2**63 - 1)]

router = APIRouter(prefix="/operations", tags=["operations"])

STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {NDJSON: {}}, "description": "newline-delimited JSON events"}
}


def operation_out(operation: Operation) -> OperationOut:
    return {
        "id": operation.id or 0,
        "verb": operation.verb,
        "arguments": operation.arguments,
        "started": operation.started,
        "ended": operation.ended,
        "outcome": Outcome(operation.outcome),
        "error": operation.error,
    }


def cancel_answer(ctx: DaemonContext, operation_id: int) -> CancelOut:
    operation = request_cancel(ctx, operation_id)
    job = job_of_operation(ctx.journal, operation_id)
    job_id = job.id if job is not None else None
    label = f"{operation.verb} {operation_id}" + (f" (job {job_id})" if job_id else "")
    return {
        "operation": operation_out(operation),
        "job": job_id,
        "message": f"cancelling {label}: it stops at its next safe point",
    }


@router.get("")
async def list_operations(
    ctx: Context, limit: Annotated[int, Query(ge=1, le=1000)] = 20
) -> OperationList:
    """The most recent operations, newest first."""
    return {"operations": [operation_out(op) for op in ctx.journal.recent_operations(limit)]}


@router.get("/follow", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def follow(ctx: Context) -> StreamingResponse:
    """Every event of every operation from now on, until fdpd shuts down."""
    return StreamingResponse(_follow_all(ctx), media_type=NDJSON)


@router.get("/{operation_id}")
async def show_operation(ctx: Context, operation_id: OperationId) -> OperationOut:
    return operation_out(ctx.journal.get_operation(operation_id))


@router.post("/{operation_id}/cancel", status_code=202)
async def cancel_operation(ctx: Context, operation_id: OperationId) -> CancelOut:
    """Ask a running operation (run, pull, push, update) to stop at its next safe point: a run's
    script is stopped (its process group gets SIGTERM, then SIGKILL after 5 s), a pull or push
    stops between files or record batches. 202: asked; the operation's event stream then ends
    with an `error` event whose code is `cancelled` (or its result, if it finished first).
    409: it is not running, or it cannot be cancelled (gc, daemon check)."""
    return cancel_answer(ctx, operation_id)


@router.get("/{operation_id}/events", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def operation_events(ctx: Context, operation_id: OperationId) -> StreamingResponse:
    """The operation's events as they were sent; a running one is followed to its end."""
    feed = ctx.services.activity
    queue = feed.follow()  # before reading the journal, so no live event falls in between
    try:
        operation = ctx.journal.get_operation(operation_id)
        recorded = ctx.journal.operation_events(operation_id)
    except BaseException:
        feed.unfollow(queue)
        raise
    live = operation.outcome == RUNNING and operation_id in ctx.running_operations

    async def lines() -> AsyncIterator[str]:
        try:
            last_id = 0
            for event in recorded:
                last_id = event["id"]
                yield ndjson_line(event)
            while live and (item := await next_event_or_shutdown(ctx, queue)) is not None:
                event = item["event"]
                if item["operation"] != operation_id or event["id"] <= last_id:
                    continue
                yield ndjson_line(event)
                if event["type"] in ("result", "error"):
                    return
        finally:
            feed.unfollow(queue)

    return StreamingResponse(lines(), media_type=NDJSON)


async def _follow_all(ctx: DaemonContext) -> AsyncIterator[str]:
    feed = ctx.services.activity
    queue = feed.follow()
    number = 0
    try:
        while (item := await next_event_or_shutdown(ctx, queue)) is not None:
            number += 1
            yield ndjson_line({"id": number, "type": "event", **item})
        yield ndjson_line({"id": number + 1, "type": "end", "reason": "fdpd is shutting down"})
    finally:
        feed.unfollow(queue)
