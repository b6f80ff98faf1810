"""Commands that stream an operation (run, pull, push, update...): its events shown as they
come, and Ctrl-C to cancel it.

The first Ctrl-C asks fdpd to cancel the operation (it stops at its next safe point), says so,
and goes on showing the operation to its end, from a replay of its events that skips what was
shown already. A second Ctrl-C detaches: fdpctl exits, the operation goes on in fdpd, and
fdpctl says how to follow it.
"""

from __future__ import annotations

import sys

from fdpctl.errors import Interrupted, OperationFailed
from fdpctl.render import StreamRenderer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Generic, TypeVar

    from fdpctl.cli import Invocation
    from fdpctl.transport import Events, EventStream
    from fdpd.base.wire import CancelOut

    Answer = TypeVar("Answer")

    class Operation(Generic[Answer]):
        """A route that starts an operation, and the type of the answer its `result` event
        carries (`fdpd.base.wire`): `Operation[Pulled]("POST", "/v1/pull")`."""

        def __init__(self, method: str, path: str) -> None:
            self.method = method
            self.path = path

else:  # the same without typing's generics: fdpctl imports no more than it runs with

    class Operation:
        def __init__(self, method, path):
            self.method = method
            self.path = path


DETACH = "(Ctrl-C again to detach)"


def run_operation(
    inv: Invocation,
    operation: Operation[Answer],
    body: Any = None,
    until: Callable[[EventStream], Events] | None = None,
) -> Answer:
    """Start `operation` with one request and show it to its end; return its answer. `until`
    may wrap the event stream to end the showing earlier with a result of its own
    (`run --detach`)."""
    renderer = StreamRenderer(sys.stdout, inv.as_json)
    try:
        opened = inv.stream(operation.method, operation.path, body)
        stream: Events = opened if until is None else until(opened)
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted before fdpd said which operation it started",
            hint="`fdpctl log` shows whether it did; `fdpctl cancel ID` stops it",
        ) from None
    try:
        answer = renderer.follow(stream)
    except KeyboardInterrupt:
        stream.close()
        if stream.operation is None:
            raise
        answer = _cancel_and_follow(inv, renderer, stream.operation)
    return answer  # type: ignore[return-value]  # the `result` of `operation`: its Answer


def _cancel_and_follow(inv: Invocation, renderer: StreamRenderer, operation: int) -> dict[str, Any]:
    renderer.clear_bar()
    label = f"operation {operation}"
    cancelling = False
    try:
        label, cancelling = _ask_to_cancel(inv, operation)
        if cancelling:  # said only once the state is set: a Ctrl-C right after it sees it
            _say(f"cancelling {label} ... {DETACH}")
        return renderer.follow(inv.stream("GET", f"/v1/operations/{operation}/events"))
    except KeyboardInterrupt:
        renderer.clear_bar()
        what = "its cancel goes on" if cancelling else "it goes on"
        raise Interrupted(
            f"detached from {label}; {what} in fdpd",
            hint=f"follow it with `fdpctl log -f {operation}`"
            + ("" if cancelling else f"; stop it with `fdpctl cancel {operation}`"),
        ) from None


def _ask_to_cancel(inv: Invocation, operation: int) -> tuple[str, bool]:
    """Ask fdpd to cancel the operation; its label, and whether fdpd is cancelling it (not when
    it has ended already, or cannot be cancelled)."""
    try:
        answer = inv.call("POST", f"/v1/operations/{operation}/cancel", autostart=False).data
    except OperationFailed as refused:
        if refused.code == "not_running":
            return f"operation {operation}", False  # it has just ended: the replay shows how
        _say(f"{refused.message}; waiting for it to end {DETACH}")
        return f"operation {operation}", False
    return cancel_label(answer), True


def cancel_label(answer: CancelOut) -> str:
    """`pull 12`, `run 14 (job 2025-...)`: what a cancel answer is about."""
    operation = answer["operation"]
    job = f" (job {answer['job']})" if answer.get("job") else ""
    return f"{operation['verb']} {operation['id']}{job}"


def _say(message: str) -> None:
    print(f"fdpctl: {message}", file=sys.stderr, flush=True)
