"""`fdpctl pull CONFIG [--remote NAME] [--with-provenance]`: bring a config's inputs in.

`register:` items are downloaded and registered locally first; then `read:` items are resolved
against the remote and copied (records and files). Exit status 0 when every item is there, 1
when some item failed (each is listed with why).
"""

from __future__ import annotations

import argparse
import os
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import byte_size, counted, print_table
from fdpctl.streaming import Operation, run_operation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpd.base.wire import Pulled, PulledItem

PULL: Operation[Pulled] = Operation("POST", "/v1/pull")

STATUS_WORDS = {
    "registered": "registered",
    "pulled": "pulled",
    "present": "already present",
    "failed": "FAILED",
    "newer": "newer",
}


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "pull",
        pull,
        "register a config's sources and pull its inputs from the remote",
        "Process CONFIG's register: items (download, SHA-1, copy into the data store, register "
        "locally), then resolve its read: items against the remote (wildcards, ${{LATEST}}) and "
        "copy their records and verified files. The remote is run_metadata."
        "remote_data_registry_url (a configured remote), else --remote, else origin.",
    )
    parser.add_argument("config", help="the user config (config.yaml)")
    parser.add_argument("--remote", metavar="NAME", help="the remote to pull from (default origin)")
    parser.add_argument(
        "--with-provenance",
        action="store_true",
        help="also copy the code runs that made the pulled products (records only)",
    )


def pull(args: argparse.Namespace, inv: Invocation) -> int:
    body = {
        "config_path": os.path.abspath(args.config),
        "remote": args.remote,
        "with_provenance": args.with_provenance,
    }
    result = run_operation(inv, PULL, body)
    if not inv.as_json:
        show_items(result.get("items", []))
        print(_totals(result))
    return SUCCESS if result.get("ok", True) else 1


def show_items(items: list[PulledItem]) -> None:
    rows = [
        [item["item"], STATUS_WORDS.get(item["status"], item["status"]), item.get("reason", "")]
        for item in items
    ]
    if rows:
        print_table(["item", "status", "why"], rows)
    for item in items:
        if item["status"] == "failed":
            print(f"fdpctl: {item['item']}: {item.get('reason', 'failed')}", file=sys.stderr)


def _totals(result: Pulled) -> str:
    remote = result.get("remote") or "no remote"
    counts = result.get("counts") or {}
    registered = counts.get("registered", 0)
    records = counted(result.get("records_created", 0), "registry record")
    return (
        (f"{counted(registered, 'item')} registered locally, " if registered else "")
        + f"{counted(counts.get('pulled', 0), 'item')} pulled ({records} copied), "
        f"{counted(result.get('files_downloaded', 0), 'file')} "
        f"({byte_size(result.get('bytes_downloaded', 0))}), "
        f"{counted(result.get('remote_request_total', 0), 'request')} to {remote}"
    )
