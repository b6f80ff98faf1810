"""`fdpctl schedule`: the background update checks, their next and last runs and results."""

from __future__ import annotations

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import print_json, print_table

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from fdpd.base.wire import CheckOut, Schedule

_UNITS = ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"))


def register(subparsers: Any) -> None:
    add_command(
        subparsers,
        "schedule",
        schedule,
        "show the background update checks: next and last run of each remote's check",
        "fdpd checks every remote for newer versions of the data products pulled from it, "
        "every `schedule.interval` of fdp's config.yaml (default 6h; per remote under "
        "`schedule.remotes.NAME`), and pulls them too where `auto_update: true`. "
        "`fdpctl update --check` runs a check now.",
    )


def schedule(args: argparse.Namespace, inv: Invocation) -> int:
    data: Schedule = inv.call("GET", "/v1/schedule").data
    if inv.as_json:
        print_json(data)
        return SUCCESS
    if data.get("config_error"):
        import sys

        print(
            f"warning: the schedule below is the old one: {data['config_error']}", file=sys.stderr
        )
    if not data["jobs"]:
        print("no remotes configured, so nothing to check (`fdpctl remote add NAME URL ...`)")
        return SUCCESS
    rows = [
        [
            job["remote"],
            duration(job["interval"]) if job["interval"] else "off",
            "yes" if job["auto_update"] else "no",
            _when(job["next_run"]),
            _when(last["finished"]) + f" ({last['trigger']})" if (last := job["last_run"]) else "-",
            check_result(last) if last else "never checked",
        ]
        for job in data["jobs"]
    ]
    print_table(["remote", "every", "auto-update", "next run", "last run", "result"], rows)
    return SUCCESS


def check_result(check: CheckOut) -> str:
    """One check's outcome in a few words."""
    if check["outcome"] == "failed":
        return f"failed: {check.get('error') or 'see fdpctl log'}"
    words = []
    if check["pulled"]:
        words.append(f"{len(check['pulled'])} pulled")
    if check["available"]:
        words.append(f"{len(check['available'])} available")
    return ", ".join(words) or f"up to date ({check['checked']} checked)"


def duration(seconds: float) -> str:
    for size, unit in _UNITS:
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def ago(iso: str) -> str:
    """`2 h ago`, `5 min ago`, `just now` (or `in 3 h` for a time to come)."""
    from datetime import UTC, datetime

    delta = (datetime.now(UTC) - datetime.fromisoformat(iso)).total_seconds()
    span = abs(delta)
    if span < 1:
        return "just now"
    size, unit = next(((s, u) for s, u in _UNITS if span >= s), (1, "s"))
    text = f"{int(span // size)} {unit}"
    return f"{text} ago" if delta > 0 else f"in {text}"


def _when(iso: str | None) -> str:
    if not iso:
        return "-"
    from datetime import datetime

    local = datetime.fromisoformat(iso).astimezone()
    return f"{local:%Y-%m-%d %H:%M:%S} ({ago(iso)})"
