"""Operations answered as NDJSON event streams (see fdpd.core.operations)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse

from fdpd.base.wire import Event, Followed, FollowEnd
from fdpd.core.context import DaemonContext
from fdpd.core.operations import FINAL_TYPES, Emitter, Work, start_operation

NDJSON = "application/x-ndjson"


async def stream_operation(
    ctx: DaemonContext,
    verb: str,
    arguments: dict[str, Any],
    work: Work,
    *,
    cancellable: bool = False,
) -> StreamingResponse:
    """Start `work` as a journaled operation and answer with its NDJSON event stream."""
    emitter = start_operation(ctx, verb, arguments, work, cancellable=cancellable)
    queue = emitter.listen()
    return StreamingResponse(
        _ndjson_until_final(emitter, queue),
        media_type=NDJSON,
        headers={"Fdp-Operation": str(emitter.operation_id)},
    )


async def _ndjson_until_final(emitter: Emitter, queue: asyncio.Queue[Event]) -> AsyncIterator[str]:
    try:
        while True:
            event = await queue.get()
            yield ndjson_line(event)
            if event["type"] in FINAL_TYPES:
                return
    finally:
        emitter.unlisten(queue)


def ndjson_line(event: Event | Followed | FollowEnd) -> str:
    return json.dumps(event) + "\n"
