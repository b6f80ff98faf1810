"""Long operations: run a piece of work in the background, record it and its events in the journal.

A verb that takes a while answers with `fdpd.api.streaming.stream_operation`, which starts it
here and streams its events as NDJSON:

    async def work(emitter: Emitter) -> dict[str, Any]:
        emitter.progress("copying", current=1, total=10)
        emitter.warning("file x skipped", hint="...")
        return {"copied": 10}            # or raise FdpError

    return await stream_operation(ctx, "pull", {"remote": name}, work)

The client gets `{"id": 1, "type": "progress", ...}` lines, ids increasing by one, ending with one
`result` or `error` event; the journal keeps the operation and every event for `fdpctl log ID`.
The operation belongs to fdpd, not to the connection: if the client goes away it runs to the end;
if fdpd shuts down it is cancelled and recorded as interrupted. An operation started with
`cancellable=True` can be asked to stop (`request_cancel`, `POST /v1/operations/ID/cancel`): its
work stops at its next safe point (`fdpd.base.cancellation`) and it is recorded as cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from fdpd.base.cancellation import Cancellation, OperationCancelled, bind
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import Conflict, FdpError, Unavailable
from fdpd.base.wire import ErrorBody, Event, EventType, ProgressDetails, ProgressOut
from fdpd.core.context import DaemonContext
from fdpd.core.services import ActivityFeed
from fdpd.journal import Journal
from fdpd.journal.models import (
    CANCELLED,
    DRY_RUN,
    FAILED,
    INTERRUPTED,
    RUNNING,
    SUCCEEDED,
    Operation,
)

log = logging.getLogger(__name__)
Queued = TypeVar("Queued")  # an operation's events, or those of all (`ActivityOut`)

FINAL_TYPES: frozenset[EventType] = frozenset({"result", "error"})
PROGRESS_INTERVAL = 0.2  # seconds between recorded progress events of the same step
SECRET_WORDS = ("token", "password", "secret", "authorization", "credential")

# A result is a JSON object: a plain dict or one of `fdpd.base.wire`'s answer types.
Work = Callable[["Emitter"], Awaitable[Mapping[str, Any]]]


class Emitter:
    """Numbers, records and delivers the events of one operation."""

    def __init__(self, journal: Journal, feed: ActivityFeed, operation_id: int, verb: str) -> None:
        self.operation_id = operation_id
        self.verb = verb
        self._journal = journal
        self._feed = feed
        self._next_id = 1
        self._listeners: set[asyncio.Queue[Event]] = set()
        self._last_progress: tuple[str, float] | None = None
        self.finished = False

    def progress(
        self,
        message: str,
        *,
        current: float | None = None,
        total: float | None = None,
        unit: str | None = None,
        details: ProgressDetails | None = None,
        keep: bool = False,
    ) -> None:
        """Report progress; repeats of the same step are thinned to one per 0.2 s unless `keep`
        (the caller thins its own). A step is its unit and total when it has them (its message
        may count bytes), else its message. `details` are more fields of the event."""
        now = time.monotonic()
        step_done = current is not None and total is not None and current >= total
        step = f"{unit}/{total}" if unit is not None and total is not None else message
        if (
            not step_done
            and not keep
            and self._last_progress is not None
            and self._last_progress[0] == step
            and now - self._last_progress[1] < PROGRESS_INTERVAL
        ):
            return
        self._last_progress = (step, now)
        event: ProgressOut = {"id": self._next_id, "type": "progress", "message": message}
        if current is not None:
            event["current"] = current
        if total is not None:
            event["total"] = total
        if unit is not None:
            event["unit"] = unit
        self._emit({**event, **(details or {})})

    def log(self, message: str, *, level: str = "info") -> None:
        self._emit({"id": self._next_id, "type": "log", "message": message, "level": level})

    def warning(self, message: str, *, hint: str = "") -> None:
        self._emit({"id": self._next_id, "type": "warning", "message": message, "hint": hint})

    def listen(self) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._listeners.add(queue)
        return queue

    def unlisten(self, queue: asyncio.Queue[Event]) -> None:
        self._listeners.discard(queue)

    def succeed(self, result: Mapping[str, Any]) -> None:
        number, operation = self._next_id, self.operation_id
        self._emit({"id": number, "type": "result", "result": dict(result), "operation": operation})
        self._journal.finish_operation(self.operation_id, outcome_of(result))

    def fail(self, error: ErrorBody, outcome: str = FAILED) -> None:
        number, operation = self._next_id, self.operation_id
        self._emit({"id": number, "type": "error", "error": error, "operation": operation})
        self._journal.finish_operation(self.operation_id, outcome, dict(error))

    def _emit(self, event: Event) -> None:
        """Send `event`, numbered `self._next_id` by its maker (so `id` comes first in it)."""
        if self.finished:
            raise RuntimeError(f"operation {self.operation_id} already ended")
        self._next_id += 1
        self.finished = event["type"] in FINAL_TYPES
        self._journal.append_event(self.operation_id, event)
        for queue in self._listeners:
            queue.put_nowait(event)
        self._feed.publish(self.operation_id, self.verb, event)


def outcome_of(result: Mapping[str, Any]) -> str:
    """How an operation that ran to its result is recorded, matching fdpctl's exit status:
    `failed` when the result says `"ok": false` (an item failed, the model failed), `dry run`
    when it says `"dry_run": true`, else `succeeded`."""
    if result.get("ok") is False:
        return FAILED
    return DRY_RUN if result.get("dry_run") is True else SUCCEEDED


def redact(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments as they may be recorded: anything that looks like a secret is blanked."""
    clean: dict[str, Any] = {}
    for key, value in arguments.items():
        if any(word in key.lower() for word in SECRET_WORDS):
            clean[key] = "***"
        elif isinstance(value, dict):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean


def start_operation(
    ctx: DaemonContext,
    verb: str,
    arguments: dict[str, Any],
    work: Work,
    *,
    cancellable: bool = False,
) -> Emitter:
    """Start `work` in the background as a journaled operation; return its emitter."""
    if ctx.shutting_down.is_set():
        raise Unavailable("fdpd is shutting down", hint="try again once it has restarted")
    operation = ctx.journal.start_operation(verb, redact(arguments))
    operation_id = operation.id
    assert operation_id is not None
    emitter = Emitter(ctx.journal, ctx.services.activity, operation_id, verb)
    cancellation = Cancellation() if cancellable else None
    task = asyncio.create_task(
        _execute(ctx, emitter, work, cancellation), name=f"operation {operation_id}"
    )
    ctx.running_operations[operation_id] = task
    if cancellation is not None:
        ctx.services.cancellations[operation_id] = cancellation

    def forget(_: asyncio.Task[None]) -> None:
        ctx.running_operations.pop(operation_id, None)
        ctx.services.cancellations.pop(operation_id, None)

    task.add_done_callback(forget)
    log.info("operation %d (%s) started", operation_id, verb)
    return emitter


def request_cancel(ctx: DaemonContext, operation_id: int) -> Operation:
    """Ask a running operation to stop at its next safe point; the operation as recorded.

    Raises NotFound for an unknown id, Conflict for one that has ended or cannot be cancelled."""
    operation = ctx.journal.get_operation(operation_id)
    label = f"{operation.verb} {operation_id}"
    if operation.outcome != RUNNING or operation_id not in ctx.running_operations:
        raise Conflict(
            f"{label} is not running (it {_ended(operation)})",
            hint=f"`fdpctl log {operation_id}` shows what it did",
            code=ErrorCode.NOT_RUNNING,
        )
    cancellation = ctx.services.cancellations.get(operation_id)
    if cancellation is None:
        raise Conflict(
            f"{label} cannot be cancelled: {operation.verb} has no point where it could stop "
            "and leave everything consistent",
            hint=f"it ends by itself; `fdpctl log -f {operation_id}` follows it",
            code=ErrorCode.NOT_CANCELLABLE,
        )
    if not cancellation.requested:
        log.info("operation %d (%s): cancel requested", operation_id, operation.verb)
    cancellation.request()
    return operation


def _ended(operation: Operation) -> str:
    if operation.outcome == RUNNING:
        return "was left running by an earlier fdpd"
    return f"ended {operation.outcome}"


async def _execute(
    ctx: DaemonContext, emitter: Emitter, work: Work, cancellation: Cancellation | None
) -> None:
    if cancellation is not None:
        bind(cancellation)
    try:
        result = await work(emitter)
    except OperationCancelled as stopped:
        emitter.fail(_cancelled_error(emitter, stopped), CANCELLED)
    except FdpError as exc:
        emitter.fail(exc.body())
    except asyncio.CancelledError:
        # Only fdpd's shutdown cancels operations; the task ends here, so nothing to re-raise to.
        emitter.fail(
            {
                "code": ErrorCode.INTERRUPTED,
                "message": "fdpd shut down before the operation finished",
                "hint": "run the command again",
            },
            INTERRUPTED,
        )
    except Exception:
        log.exception("operation %d (%s) crashed", emitter.operation_id, emitter.verb)
        emitter.fail(
            {
                "code": ErrorCode.INTERNAL,
                "message": f"internal error in {emitter.verb}",
                "hint": f"see the log at {ctx.locations.daemon_log_path}",
            }
        )
    else:
        emitter.succeed(result)
    log.info("operation %d (%s) ended", emitter.operation_id, emitter.verb)
    ctx.services.memory.operation_ended()


def _cancelled_error(emitter: Emitter, stopped: OperationCancelled) -> ErrorBody:
    message = f"{emitter.verb} {emitter.operation_id} cancelled {stopped.where}"
    return {
        "code": ErrorCode.CANCELLED,
        "message": message + (f": {stopped.detail}" if stopped.detail else ""),
        "hint": stopped.hint,
    }


async def next_event_or_shutdown(ctx: DaemonContext, queue: asyncio.Queue[Queued]) -> Queued | None:
    """The next queued event, or None once fdpd starts shutting down (streams must end then)."""
    if ctx.shutting_down.is_set():
        return None
    getter = asyncio.ensure_future(queue.get())
    stopper = asyncio.ensure_future(ctx.shutting_down.wait())
    try:
        done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        getter.cancel()
        stopper.cancel()
    return getter.result() if getter in done else None
