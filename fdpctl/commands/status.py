"""`fdpctl status [TOKEN|PATH]`: what is local, committed, pushed, pulled; or one item."""

from __future__ import annotations

import argparse

from fdpctl.cli import Invocation, add_command
from fdpctl.commands.commit import TARGET_HELP, target_body
from fdpctl.errors import SUCCESS
from fdpctl.render import print_fields, print_json, print_table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ROWS = (
    ("local", "local only"),
    ("committed", "committed"),
    ("pushed", "pushed"),
    ("pulled", "pulled"),
    ("failed", "from failed jobs"),
)


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "status",
        status,
        "sync state: counts of items by state, or one item in detail",
        "Without an argument: how many code runs, data products and records are local only, "
        "committed, pushed or pulled, and how many jobs failed (from fdp's journal; no registry "
        "is contacted). With TOKEN|PATH: that item's state, remote URL, last sync, file and hash.",
    )
    parser.add_argument("target", nargs="?", metavar="TOKEN|PATH", help=TARGET_HELP)


def status(args: argparse.Namespace, inv: Invocation) -> int:
    if args.target is not None:
        return _one(inv, args.target)
    data = inv.call("GET", "/v1/status").data
    if inv.as_json:
        print_json(data)
        return SUCCESS
    rows = []
    for state, title in ROWS:
        counts = data["items"].get(state, {})
        total = sum(counts.values())
        rows.append([title, counts.get("code_run", 0), counts.get("data_product", 0), total])
    print_table(["", "code runs", "data products", "all records"], rows)
    print(f"failed jobs: {data['failed_jobs']}")
    if data["last_sync"]:
        print(f"last sync: {data['last_sync']}")
    for line in update_lines(data.get("updates")):
        print(line)
    return SUCCESS


def update_lines(updates: dict[str, Any] | None) -> list[str]:
    """`N updates available (checked 2 h ago)`, and any check that failed since."""
    from fdpctl.commands.schedule import ago

    if not updates or not updates["remotes"]:
        return []
    lines = []
    if updates["checked"]:
        count = updates["available"]
        noun = "update" if count == 1 else "updates"
        lines.append(f"{count} {noun} available (checked {ago(updates['checked'])})")
    for row in updates["remotes"]:
        if failed := row["failed"]:
            lines.append(
                f"update check of {row['remote']} failed {ago(failed['finished'])}: "
                f"{failed['error']}"
            )
    return lines


def _one(inv: Invocation, target: str) -> int:
    data = inv.call("POST", "/v1/status/item", target_body(target)).data
    if inv.as_json:
        print_json(data)
        return SUCCESS
    for number, item in enumerate(data["items"]):
        if number:
            print()
        print_fields(_fields(item))
        for output in item.get("outputs") or []:
            print(f"  output {output['item']}: {output['state']}")
            _print_indented(output)
    return SUCCESS


def _fields(item: dict[str, Any]) -> list[tuple[str, object]]:
    fields: list[tuple[str, object]] = [
        ("item", item["item"]),
        ("state", item["state"] + ("" if item["tracked"] else " (not recorded by a job)")),
        ("local record", item["local_url"]),
        ("remote", item["remote"] or "-"),
        ("remote record", item["remote_url"] or "-"),
        ("last sync", item["synced"] or "-"),
        ("job", f"{item['job']} ({item['job_state']})" if item["job"] else "-"),
    ]
    if item["type"] == "data_product":
        fields += _file_fields(item)
    return fields


def _file_fields(item: dict[str, Any]) -> list[tuple[str, object]]:
    present = item.get("file_present")
    missing = " (missing)" if present is False else ""
    return [("file", f"{item['file'] or '-'}{missing}"), ("hash", item["hash"] or "-")]


def _print_indented(output: dict[str, Any]) -> None:
    for name, value in [("remote record", output["remote_url"] or "-"), *_file_fields(output)]:
        print(f"    {name}: {value}")
