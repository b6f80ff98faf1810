"""`fdpctl status [ITEM|PATH] [--all]`: the items in each sync state by name, with the command
that moves them on; or one item in detail.

An item is a code run or a data product version (docs/index.md, "Concepts"); the registry records it
holds (objects, storage locations, authors...) are counted only as a detail. On a terminal the
section titles are bold and names coloured by state (never with NO_COLOR or TERM=dumb).
"""

from __future__ import annotations

import os
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.commands.commit import TARGET_HELP, target_body
from fdpctl.errors import SUCCESS
from fdpctl.render import counted, print_fields, print_json, styled

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from fdpd.base.wire import (
        ItemCount,
        ItemDetail,
        ItemStatus,
        NamedItem,
        OutputDetail,
        Status,
        UpdatesSummary,
    )

SHOWN = 10  # names per section without --all
SECTIONS = (  # state, title, colour of its names (SGR)
    ("local", "Local only, not committed", "33"),
    ("committed", "Committed, to be pushed", "32"),
)
SYNCED = (("pushed", "pushed"), ("pulled", "pulled"))


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "status",
        status,
        "sync state: the items local, committed, pushed or pulled, or one item in detail",
        "Without an argument: the code runs and data products that are local only, committed "
        "or from failed jobs, by name, with the command that moves each group on; how many are "
        "pushed and pulled; failed jobs; updates the latest check found (from fdp's journal; no "
        "remote is contacted). Long lists show their first "
        f"{SHOWN} names (--all: every name, pushed and pulled too). "
        "With ITEM|PATH: that item's state, remote URL, last sync, file and hash.",
    )
    parser.add_argument("target", nargs="?", metavar="ITEM|PATH", help=TARGET_HELP)
    parser.add_argument(
        "--all", action="store_true", help="list every item, pushed and pulled ones too"
    )


def status(args: argparse.Namespace, inv: Invocation) -> int:
    if args.target is not None:
        return _one(inv, args.target)
    data: Status = inv.call("GET", f"/v1/status?limit={0 if args.all else SHOWN}").data
    if inv.as_json:
        print_json(data)
        return SUCCESS
    paint = Paint(sys.stdout)
    blocks = [_section(data, state, title, colour, paint) for state, title, colour in SECTIONS]
    blocks.append(_failed(data, paint))
    blocks.append(_arrays(data, paint))
    blocks.append(_synced(data, args.all, paint))
    blocks.append(_updates(data.get("updates"), paint))
    shown = [block for block in blocks if block]
    if not data["counts"]["local"]["items"] and not data["counts"]["committed"]["items"]:
        shown.insert(0, ["Nothing to commit or push."])
    print("\n\n".join("\n".join(block) for block in shown))
    return SUCCESS


class Paint:
    """SGR colours on a terminal, plain text elsewhere (https://no-color.org)."""

    def __init__(self, out: Any) -> None:
        self.on = out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    def __call__(self, text: str, sgr: str) -> str:
        return styled(text, sgr) if self.on else text


def item_count(counts: ItemCount) -> str:
    """`3 items (14 registry records)`: items are what users count, records a detail."""
    return f"{counted(counts['items'], 'item')} ({counted(counts['records'], 'registry record')})"


def _section(data: Status, state: str, title: str, colour: str, paint: Paint) -> list[str]:
    counts = data["counts"][state]
    if not counts["items"]:
        return []
    lines = [f"{paint(title, '1')}: {item_count(counts)}"]
    lines += _names(data["names"][state], colour, paint)
    lines += _more(counts["items"] - len(data["names"][state]))
    next_step = _next_step(state, data)
    if next_step:
        lines.append(f"  next: {next_step}")
    return lines


def _names(names: list[NamedItem], colour: str, paint: Paint) -> list[str]:
    """The names, grouped under the job that made them (newest first)."""
    lines: list[str] = []
    job: object = None
    for shown in names:
        if shown["job"] != job:
            job = shown["job"]
            lines.append(f"  job {job}" if job else "  not made by a job")
        lines.append(f"    {paint(shown['item'], colour)}{_described(shown)}")
    return lines


def _described(shown: NamedItem) -> str:
    return f"  {shown['description']}" if shown.get("description") else ""


def _more(hidden: int) -> list[str]:
    return [f"  ... and {hidden} more (fdpctl status --all)"] if hidden > 0 else []


def _next_step(state: str, data: Status) -> str:
    """The command that moves a section's items on, naming the newest job where there is one."""
    names = data["names"][state]
    if state == "committed":
        return "fdpctl push   (fdpctl push --dry-run lists what it would publish)"
    if state == "local":
        job = next((shown["job"] for shown in names if shown["job"]), None)
        example = f"fdpctl commit {job}" if job else "fdpctl commit ITEM"
        return f"{example}   (a job, or any item above)"
    return ""


def _failed(data: Status, paint: Paint) -> list[str]:
    """What failed and cancelled jobs left, by job: never pushed unless committed --force."""
    counts, jobs = data["counts"]["failed"], data.get("unfinished_jobs") or []
    if not counts["items"] and not jobs:
        return []
    lines = [
        f"{paint('From failed jobs', '1')}: {item_count(counts)}, "
        "never pushed unless committed with --force"
    ]
    for job in jobs:
        ended: str = job["state"]
        if job["exit_status"] is not None:
            ended += f" (exit status {job['exit_status']})"
        lines.append(
            f"  job {paint(job['job'], '31')} {ended}, {job['config_file']}: "
            f"{counted(job['items'], 'item')}"
        )
    newest = f" {jobs[0]['job']}" if jobs else ""
    lines.append(
        f"  next: fdpctl log{newest}   (what it printed); fdpctl gc removes what failed jobs left"
    )
    return lines


def _arrays(data: Status, paint: Paint) -> list[str]:
    """The latest array sweeps (`run --array`), one line each with its tasks' counts."""
    arrays = data.get("arrays") or []
    if not arrays:
        return []
    lines = [paint("Array sweeps", "1") + ":"]
    for array in arrays:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(array["counts"].items()))
        lines.append(
            f"  {array['array']}  {counted(array['tasks'], 'task')}: {counts}  ({array['config']})"
        )
    lines.append(f"  next: fdpctl commit {arrays[0]['array']}   (every task that succeeded)")
    return lines


def _synced(data: Status, every: bool, paint: Paint) -> list[str]:
    parts = [
        f"{item_count(data['counts'][state])} {verb}"
        for state, verb in SYNCED
        if data["counts"][state]["items"] or data["counts"][state]["records"]
    ]
    if not parts:
        return []
    lines = [f"{paint('Synced', '1')}: {'; '.join(parts)}"]
    if data["last_sync"]:
        from fdpctl.commands.schedule import ago

        lines[0] += f" (last sync {ago(data['last_sync'])})"
    if every:
        for state, verb in SYNCED:
            if data["names"][state]:
                lines.append(f"  {verb}:")
                lines += ["  " + line for line in _names(data["names"][state], "0", paint)]
    return lines


def _updates(updates: UpdatesSummary | None, paint: Paint) -> list[str]:
    lines = update_lines(updates)
    if not lines:
        return []
    available = [
        f"  {change} (from {row['remote']})"
        for row in (updates["remotes"] if updates else [])
        for change in row["available"]
    ]
    next_step = ["  next: fdpctl update"] if available else []
    return [f"{paint('Updates', '1')}: {lines[0]}", *lines[1:], *available, *next_step]


def update_lines(updates: UpdatesSummary | None) -> list[str]:
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
            when = ago(failed["finished"] or failed["started"])
            lines.append(f"update check of {row['remote']} failed {when}: {failed['error']}")
    return lines


def _one(inv: Invocation, target: str) -> int:
    data: ItemStatus = inv.call("POST", "/v1/status/item", target_body(target)).data
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


def _fields(item: ItemDetail) -> list[tuple[str, object]]:
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


def _file_fields(item: ItemDetail | OutputDetail) -> list[tuple[str, object]]:
    missing = " (missing)" if item.get("file_present") is False else ""
    return [("file", f"{item.get('file') or '-'}{missing}"), ("hash", item.get("hash") or "-")]


def _print_indented(output: OutputDetail) -> None:
    for name, value in [("remote record", output["remote_url"] or "-"), *_file_fields(output)]:
        print(f"    {name}: {value}")
