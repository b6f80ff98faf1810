"""`fdpctl delete [--force] [--dry-run] ITEM|PATH`: remove one item from the local registry and
the data store."""

from __future__ import annotations

import argparse

from fdpctl.cli import Invocation, add_command
from fdpctl.commands.commit import TARGET_HELP, target_body
from fdpctl.commands.gc import show_removal
from fdpctl.errors import OPERATION_FAILED, SUCCESS
from fdpctl.render import print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpd.base.wire import Deleted


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "delete",
        delete,
        "delete a code run, job, data product or file from the local registry and data store",
        "Removes the item, the records only it used (its working config, script, outputs, "
        "object, storage location…) and their files. Refused while other items depend on it "
        "(they are listed), and for items on no remote (local or committed) unless --force. "
        "Deleting a job also removes its folder; `fdpctl log` then shows it deleted.",
    )
    parser.add_argument("target", metavar="ITEM|PATH", help=TARGET_HELP)
    parser.add_argument("--force", action="store_true", help="delete it even if it is unsynced")
    parser.add_argument("--dry-run", action="store_true", help="report; remove nothing")


def delete(args: argparse.Namespace, inv: Invocation) -> int:
    body: dict[str, Any] = {**target_body(args.target), "force": args.force}
    body["dry_run"] = args.dry_run
    data: Deleted = inv.call("POST", "/v1/delete", body).data
    exit_code = SUCCESS if data["ok"] else OPERATION_FAILED
    if inv.as_json:
        print_json(data)
        return exit_code
    print(f"{args.target}: {', '.join(data['items'])}")
    verb = "would remove" if data["dry_run"] else "removed"
    if job := data["job"]:
        print(f"{verb} job folder {job['folder']} (`fdpctl log` shows the job deleted)")
    show_removal(data, verb)
    return exit_code
