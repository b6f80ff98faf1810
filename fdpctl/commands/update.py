"""`fdpctl update [--remote NAME] [--dry-run]`: pull newer versions of what was pulled."""

from __future__ import annotations

import argparse

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import render_stream

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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
    parser.add_argument(
        "--dry-run", action="store_true", help="report newer versions; pull nothing"
    )


def update(args: argparse.Namespace, inv: Invocation) -> int:
    body = {"remote": args.remote, "dry_run": args.dry_run}
    result = render_stream(inv.stream("POST", "/v1/update", body), as_json=inv.as_json)
    if not inv.as_json:
        _show(result)
    return SUCCESS if result.get("ok", True) else 1


def _show(result: dict[str, Any]) -> None:
    changes = result.get("changes", [])
    if not changes:
        print(f"up to date ({result.get('checked', 0)} pulled data products checked)")
        return
    for change in changes:
        status = change["status"]
        note = {"newer": " (not pulled: dry run)", "failed": f" FAILED: {change.get('reason')}"}
        print(f"{change['item']}{note.get(status, '')}")
