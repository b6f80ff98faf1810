"""`fdpctl cancel ID [--no-wait]`: stop a running operation or job at its next safe point."""

from __future__ import annotations

import argparse
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import OPERATION_FAILED, SUCCESS, Interrupted
from fdpctl.render import print_json
from fdpctl.streaming import cancel_label

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpd.base.wire import CancelOut, Event


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "cancel",
        cancel,
        "cancel a running operation (run, pull, push, update) or job",
        "Ask fdpd to stop operation ID (a number, as `fdpctl log` lists it) or the run of job "
        "ID (YYYY-MM-DD_HH_MM_SS_ffffff, or a unique prefix) at its next safe point, and wait "
        "until it has stopped. A run's script and every process it started get SIGTERM, then "
        "SIGKILL after 5 s; the job is recorded as cancelled and what it registered as a "
        "failed job's is. A pull or push stops between files or record batches (a transfer "
        "under way is abandoned) and leaves no partial file; running it again finishes it. "
        "Exit status 0 once it is cancelled, 1 if it ended some other way or is not running.",
    )
    parser.add_argument("id", help="an operation id or a job id (prefix)")
    parser.add_argument(
        "--no-wait", action="store_true", help="return as soon as fdpd has been asked"
    )


def cancel(args: argparse.Namespace, inv: Invocation) -> int:
    answer: CancelOut = inv.call("POST", _cancel_path(args.id)).data
    operation = int(answer["operation"]["id"])
    label = cancel_label(answer)
    if not inv.as_json:
        print(f"cancelling {label} ...", flush=True)
    if args.no_wait:
        if inv.as_json:
            print_json({"cancel": answer, "final": None})
        return SUCCESS
    final = _final_event(inv, operation, label)
    if inv.as_json:
        print_json({"cancel": answer, "final": final or {}})
    cancelled = _was_cancelled(final)
    if not inv.as_json:
        _show(final, label, cancelled)
    return SUCCESS if cancelled else OPERATION_FAILED


def _cancel_path(identifier: str) -> str:
    if identifier.isdigit():
        return f"/v1/operations/{identifier}/cancel"
    from urllib.parse import quote

    return f"/v1/jobs/{quote(identifier, safe='')}/cancel"


def _final_event(inv: Invocation, operation: int, label: str) -> Event | None:
    """The operation's last event (`result` or `error`), once it has ended."""
    final: Event | None = None
    try:
        for event in inv.stream("GET", f"/v1/operations/{operation}/events"):
            final = event
    except KeyboardInterrupt:
        raise Interrupted(
            f"stopped waiting; {label} is still being cancelled in fdpd",
            hint=f"`fdpctl log -f {operation}` follows it to its end",
        ) from None
    return final


def _was_cancelled(final: Event | None) -> bool:
    return (
        final is not None and final["type"] == "error" and final["error"].get("code") == "cancelled"
    )


def _show(final: Event | None, label: str, cancelled: bool) -> None:
    if final is None:
        print(f"fdpctl: {label}: fdpd sent no outcome; `fdpctl log` shows it", file=sys.stderr)
    elif cancelled and final["type"] == "error":
        error = final["error"]
        print(error["message"])
        if error.get("hint"):
            print(f"  hint: {error['hint']}")
    elif final["type"] == "result":
        print(f"fdpctl: {label} finished before it could be cancelled", file=sys.stderr)
    elif final["type"] == "error":
        message = final["error"].get("message")
        print(f"fdpctl: {label} ended before it could be cancelled: {message}", file=sys.stderr)
    else:
        print(f"fdpctl: {label}: fdpd sent no outcome; `fdpctl log` shows it", file=sys.stderr)
