"""`fdpctl update [--remote NAME] [--dry-run]`: pull newer versions of what was pulled."""

from __future__ import annotations

import argparse

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.streaming import Operation, run_operation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpd.base.wire import CheckedNow, Updated


UPDATE: Operation[Updated] = Operation("POST", "/v1/update")
CHECK: Operation[CheckedNow] = Operation("POST", "/v1/update")  # with `check_only`


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "update",
        update,
        "pull newer remote versions of the data products pulled before",
        "For every data product that came from a remote, look for newer versions there and "
        "pull them (records and files). Prints one line per change: ns:name OLD -> NEW.",
    )
    parser.add_argument("--remote", metavar="NAME", help="only products pulled from this remote")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="report newer versions; pull nothing")
    mode.add_argument(
        "--check",
        action="store_true",
        help="check every remote now as the schedule does (pull nothing) and record the result "
        "for `fdpctl status` and `fdpctl schedule`",
    )


def update(args: argparse.Namespace, inv: Invocation) -> int:
    if args.check:
        return _check(args, inv)
    body = {"remote": args.remote, "dry_run": args.dry_run}
    result = run_operation(inv, UPDATE, body)
    if not inv.as_json:
        _show(result)
    return SUCCESS if result.get("ok", True) else 1


def _show(result: Updated) -> None:
    changes = result.get("changes", [])
    if not changes:
        print(f"up to date ({result.get('checked', 0)} pulled data products checked)")
        return
    for change in changes:
        status = change["status"]
        note = {"newer": " (not pulled: dry run)", "failed": f" FAILED: {change.get('reason')}"}
        print(f"{change['item']}{note.get(status, '')}")


def _check(args: argparse.Namespace, inv: Invocation) -> int:
    from fdpctl.commands.schedule import check_result

    body = {"remote": args.remote, "check": True}
    result = run_operation(inv, CHECK, body)
    if not inv.as_json:
        for check in result["checks"]:
            if "outcome" not in check:
                print(f"{check['remote']}: -")
                continue
            print(f"{check['remote']}: {check_result(check)}")
            for item in check["available"]:
                print(f"  {item}")
    return SUCCESS if result.get("ok", True) else 1
