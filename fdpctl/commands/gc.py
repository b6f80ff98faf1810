"""`fdpctl gc [--files [--all]] [--dry-run] [--remote NAME]`: remove what a remote holds."""

from __future__ import annotations

import argparse

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import OPERATION_FAILED, SUCCESS
from fdpctl.render import byte_size, counted
from fdpctl.streaming import Operation, run_operation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpd.base.wire import Removal


GC: Operation[Removal] = Operation("POST", "/v1/gc")


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "gc",
        gc,
        "remove from the local registry what a remote holds and nothing unsynced needs",
        "Removes records pushed to or pulled from a remote (they can be pulled again) and what "
        "failed jobs left behind, keeping everything in the provenance of local or committed "
        "items. Each remote is asked first whether it still holds the same records (and files); "
        "what it does not confirm stays. If a remote cannot be reached nothing is removed. "
        "Shared records (namespaces, authors, file types, storage roots) always stay, and "
        "without --files so does the storage location of each file left in place.",
    )
    parser.add_argument(
        "--files",
        action="store_true",
        help="also delete their files from the data store (not restricted ones)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="delete files of restricted accessibility too (public: false or "
        "accessibility=private); implies --files",
    )
    parser.add_argument("--dry-run", action="store_true", help="report; remove nothing")
    parser.add_argument("--remote", metavar="NAME", help="only what is synced with this remote")


def gc(args: argparse.Namespace, inv: Invocation) -> int:
    body = {"files": args.files, "all": args.all, "dry_run": args.dry_run, "remote": args.remote}
    result = run_operation(inv, GC, body)
    if not inv.as_json:
        show_removal(result, "would remove" if result["dry_run"] else "removed")
    return SUCCESS if result["ok"] else OPERATION_FAILED


def show_removal(result: Removal, verb: str) -> None:
    """What a gc or delete removed: records by kind, files and bytes, what it kept and why."""
    kinds = ", ".join(f"{n} {kind}" for kind, n in result["records_by_kind"].items())
    print(f"{verb} {counted(result['records'], 'record')}" + (f" ({kinds})" if kinds else ""))
    freed = byte_size(result["bytes_freed"])
    files = counted(result["files"], "file")
    print(f"{verb} {files}, {freed} freed" if result["files"] else "no files")
    for file in result["file_list"]:
        print(f"  {file['file']} ({byte_size(file['size'])})")
    for folder in result.get("job_folders", []):
        print(f"{verb} job folder {folder} (its code runs are gone; `fdpctl log` shows it deleted)")
    for kept in result["kept"]:
        print(f"kept {kept['item']}: {kept['reason']}")
    for problem in result["problems"]:
        print(f"problem: {problem}")
    if result["problems"]:
        print(
            "hint: the records of those files are removed, so no later gc deletes them: "
            "delete them yourself once you can (check their permissions and attributes)"
        )
    if result["dry_run"]:
        print("dry run: nothing was removed")
