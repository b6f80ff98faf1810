"""`fdpctl push [--remote NAME] [--dry-run]`: send every committed item to a remote registry."""

from __future__ import annotations

import argparse
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import OPERATION_FAILED, SUCCESS
from fdpctl.render import byte_size, counted, print_table
from fdpctl.streaming import Operation, run_operation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpd.base.wire import Pushed


PUSH: Operation[Pushed] = Operation("POST", "/v1/push")


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "push",
        push,
        "push committed items to a remote registry",
        "Upload the committed items' files (verified), then create the records the remote "
        "lacks, dependencies first. Safe to repeat: a push that was interrupted finishes where "
        "it stopped; pushing again creates nothing. Private data (public: false, or "
        "accessibility=private) is never sent; push says what it withheld. Exit status 1 if an "
        "item failed.",
    )
    parser.add_argument("--remote", metavar="NAME", help="the remote (default: origin)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be sent, including working configs and scripts and the absolute "
        "local paths they show (home folder, interpreter...); send nothing",
    )


def push(args: argparse.Namespace, inv: Invocation) -> int:
    body = {"remote": args.remote, "dry_run": args.dry_run}
    result = run_operation(inv, PUSH, body)
    if not inv.as_json:
        _show(result)
    return SUCCESS if result.get("ok", True) else OPERATION_FAILED


def _show(result: Pushed) -> None:
    remote = f"{result['remote']} ({result['remote_url']})"
    if not result["items"]:
        print(f"{result.get('message', 'nothing to push')}; remote {remote}")
        return
    rows = [[i["status"], i["item"], i["remote_url"] or i["reason"]] for i in result["items"]]
    print_table(["status", "item", "remote record / why"], rows)
    if result["dry_run"]:
        _show_plan(result, remote)
        return
    requests = ", ".join(f"{m} {n}" for m, n in sorted(result["remote_requests"].items()))
    pushed = sum(1 for item in result["items"] if item["status"] == "pushed")
    held = counted(result.get("records_on_remote", 0), "registry record")
    records = f"{held} on {result['remote']}, {result['records_created']} of them created"
    if result["records_patched"]:
        records += f", {result['records_patched']} completed"
    print(
        f"{remote}: {counted(pushed, 'item')} pushed ({records}), "
        f"{counted(result['files_transferred'], 'file')} uploaded "
        f"({byte_size(result['bytes_transferred'])}); requests: {requests or 'none'}"
    )
    if any(item["status"] == "failed" for item in result["items"]):
        print("some items failed: fix the cause and push again to finish", file=sys.stderr)


def _show_plan(result: Pushed, remote: str) -> None:
    files = result["files"]
    print(f"dry run: nothing was sent to {remote}")
    planned = sum(1 for item in result["items"] if item["status"] == "planned")
    records = counted(result["records_to_check"], "registry record")
    print(
        f"{counted(planned, 'item')} to push ({records}, as `commit` and `status` count them): "
        f"none yet known on {result['remote']} (each is created unless the remote has it already)"
    )
    if not files:
        print("no files to upload")
    else:
        print(f"files that would be uploaded and published ({len(files)}):")
    for file in files:
        size = "?" if file["size"] is None else byte_size(file["size"])
        print(f"  {file['file']} ({size}): {'; '.join(file['is'])}")
    _show_exposed(result.get("exposed_paths", []))


def _show_exposed(exposed: list[dict[str, Any]]) -> None:
    if not exposed:
        return
    print("absolute local paths these files would publish (edit them out if they are private):")
    for item in exposed:
        print(f"  {item['item']}: {item['is']} ({item['file']})")
        for path in item["paths"]:
            print(f"    {path}")
