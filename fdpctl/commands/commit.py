"""`fdpctl commit ITEM|PATH [--force]`: mark an item and its provenance for the next push."""

from __future__ import annotations

import os

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import counted, print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from fdpd.base.wire import Committed

TARGET_HELP = (
    "a code run uuid or unique prefix, a job id or unique prefix, namespace:name@version, or "
    "the path of a file in the data store (an existing file is always taken as a PATH)"
)


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "commit",
        commit,
        "mark a code run or data product (and its provenance) to be pushed",
        "Record in fdp's journal the item and its provenance closure (inputs, outputs, working "
        "config, script, code repository, storage, authors) as committed: `fdpctl push` sends "
        "every committed item. Items made by a failed job are refused unless --force.",
    )
    parser.add_argument("target", metavar="ITEM|PATH", help=TARGET_HELP)
    parser.add_argument(
        "--force", action="store_true", help="commit records of a failed job as well"
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be committed")


def commit(args: argparse.Namespace, inv: Invocation) -> int:
    body = {**target_body(args.target), "force": args.force, "dry_run": args.dry_run}
    answer: Committed = inv.call("POST", "/v1/commit", body).data
    show_transitions(answer, "would commit" if args.dry_run else "committed", inv.as_json)
    if args.dry_run and not inv.as_json:
        print("dry run: nothing was committed")
    elif not inv.as_json and any(not item["note"] for item in answer["items"]):
        print("next: fdpctl push   (fdpctl push --dry-run lists what it would publish)")
    return SUCCESS


def target_body(target: str) -> dict[str, str]:
    """A file that exists here is a PATH (fdpd needs it absolute); anything else an ITEM."""
    if os.path.isfile(target):
        return {"path": os.path.abspath(target)}
    return {"token": target}


def show_transitions(data: Committed, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    for item in data["items"]:
        if item["note"]:
            print(f"{item['item']}: {item['note']}, nothing to do")
        else:
            items = counted(item["items_changed"], "item")
            records = counted(item["records_changed"], "registry record")
            print(f"{verb} {item['item']}: {items} ({records})")
        for run in item.get("with_runs", []):
            print(f"  with {run}, which made it (and its provenance)")
        for run in item.get("held_back", []):
            print(f"  not with {run}; push keeps that run back")
