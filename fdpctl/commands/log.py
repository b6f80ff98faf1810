"""`fdpctl log [ID] [--limit N] [--follow]`: what fdpd did, from its journal."""

from __future__ import annotations

import argparse
import json
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import print_fields, print_json, print_table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpd.base.wire import (
        Event,
        JobDetail,
        JobList,
        JobLog,
        JobOut,
        OperationList,
        OperationOut,
        RerunList,
        RerunRecord,
    )


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "log",
        show_log,
        "recent operations and jobs, or one operation with its events, or one job's output",
        "Without ID: the most recent operations and jobs, newest first. With an operation id "
        "(a number): that operation and every event it sent. With a job id "
        "(YYYY-MM-DD_HH_MM_SS_ffffff, or a unique prefix such as 2025-03-05_14): what the "
        "job's script printed. With --follow: every event of every operation as it happens; "
        "with --follow and ID: that operation's (or job's) events, to its end.",
    )
    parser.add_argument("id", nargs="?", help="an operation id or a job id (prefix)")
    parser.add_argument(
        "-n", "--limit", type=_positive, default=20, help="how many (default 20, at most 1000)"
    )
    parser.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="show events live: every operation's until interrupted, or ID's to its end",
    )


def show_log(args: argparse.Namespace, inv: Invocation) -> int:
    if args.follow and args.id is not None:
        return _follow_one(inv, _operation_of(inv, args.id))
    if args.follow:
        return _follow(inv)
    if args.id is not None and not args.id.isdigit():
        return _show_job(inv, args.id)
    if args.id is not None:
        return _show_one(inv, int(args.id))
    recent: OperationList = inv.call("GET", f"/v1/operations?limit={args.limit}").data
    listed: JobList = inv.call("GET", f"/v1/jobs?limit={args.limit}").data
    reruns: RerunList = inv.call("GET", f"/v1/reruns?limit={args.limit}").data
    operations, jobs = recent["operations"], listed["jobs"]
    if inv.as_json:
        print_json({"operations": operations, "jobs": jobs, "reruns": reruns["reruns"]})
        return SUCCESS
    if not operations:
        print("no operations recorded yet")
        return SUCCESS
    runs = {job["operation"]: job for job in jobs if job["operation"] is not None}
    print_table(
        ("ID", "STARTED", "OUTCOME", "VERB", "ERROR"),
        (
            (
                op["id"],
                op["started"][:19].replace("T", " "),
                op["outcome"],
                _verb_text(op),
                _error_text(op, runs.get(op["id"])),
            )
            for op in operations
        ),
    )
    if jobs:
        _print_jobs(jobs)
    if reruns["reruns"]:
        _print_reruns(reruns["reruns"])
    return SUCCESS


def _verb_text(operation: OperationOut) -> str:
    """The verb as typed: `push --dry-run` for a dry run, whatever its outcome."""
    dry = (operation.get("arguments") or {}).get("dry_run") is True
    return f"{operation['verb']} --dry-run" if dry else str(operation["verb"])


def _error_text(operation: OperationOut, run: JobOut | None) -> str:
    """What went wrong: fdp's error, or how the model of a failed run ended."""
    if operation["error"]:
        return str(operation["error"].get("message", ""))
    if run is None or run["exit_status"] in (None, 0):
        return ""
    from fdpctl.commands.run import describe

    return f"the model {describe(run['exit_status'])} (job {run['id']})"


def _print_jobs(jobs: list[JobOut]) -> None:
    """Each job with who ran it (the fdp user it was run for)."""
    print()
    print_table(
        ("JOB", "STATE", "EXIT", "USER", "CONFIG"),
        (
            (job["id"], _state_text(job), _exit_text(job), job["username"], job["config_file"])
            for job in jobs
        ),
    )


def _state_text(job: JobOut) -> str:
    """The job's state, and whether what it made is still to be recorded."""
    return job["state"] + (" (records pending)" if job.get("records_pending") else "")


def _print_reruns(reruns: list[RerunRecord]) -> None:
    """Jobs of kind rerun (`fdpctl rerun`): the code run each ran again, and the verdict."""
    print()
    print_table(
        ("RERUN JOB", "CODE RUN", "VERDICT", "IDENTICAL", "BY", "KEPT"),
        (
            (
                r["job"],
                r["code_run"],
                r["verdict"],
                f"{r['identical']} of {r['outputs']}",
                r["username"],
                r["new_code_run"] or "-" if r["kept"] else "no",
            )
            for r in reruns
        ),
    )


def _exit_text(job: JobOut) -> str:
    return "-" if job["exit_status"] is None else str(job["exit_status"])


def _show_job(inv: Invocation, job_id: str) -> int:
    from urllib.parse import quote

    log: JobLog = inv.call("GET", f"/v1/jobs/{quote(job_id, safe='')}/log").data
    if inv.as_json:
        print_json(log)
        return SUCCESS
    state, status = _state_text(log), _exit_text(log)
    print(f"# job {log['id']}: {state}, exit status {status}, {log['config_file']}")
    for line in log["lines"]:
        print(line)
    for warning in log["warnings"]:  # fdp's words on stderr: stdout is the script's output
        print(f"warning: {warning}", file=sys.stderr)
    return SUCCESS


def _show_one(inv: Invocation, operation_id: int) -> int:
    operation: OperationOut = inv.call("GET", f"/v1/operations/{operation_id}").data
    events = list(inv.stream("GET", f"/v1/operations/{operation_id}/events"))
    if inv.as_json:
        print_json({"operation": operation, "events": events})
        return SUCCESS
    error = operation["error"] or {}
    fields: list[tuple[str, object]] = [
        ("operation", operation["id"]),
        ("verb", operation["verb"]),
        ("arguments", json.dumps(operation["arguments"])),
        ("started", operation["started"]),
        ("ended", operation["ended"] or "-"),
        ("outcome", operation["outcome"]),
    ]
    if error:
        fields.append(("error", f"{error.get('message')} ({error.get('code')})"))
    print_fields(fields)
    print("events:")
    for event in events:
        print(f"  {event['id']:>4} {event['type']:<8} {_event_text(event)}")
    return SUCCESS


def _follow(inv: Invocation) -> int:
    """One line per event: the time it came, the operation, the kind of event, what it says."""
    for item in inv.stream("GET", "/v1/operations/follow").followed():
        if inv.as_json:
            print(json.dumps(item), flush=True)
        elif item["type"] == "event":
            event = item["event"]
            operation = f"{item['operation']} {item['verb']}"
            print(f"{_now()}  {operation:<14} {event['type']:<8} {_event_text(event)}", flush=True)
        elif item["type"] == "end":
            print(f"{_now()}  -- {item.get('reason', 'stream ended')}", flush=True)
    return SUCCESS


def _now() -> str:
    import time

    return time.strftime("%H:%M:%S")


def _operation_of(inv: Invocation, identifier: str) -> int:
    """The operation an id names: itself (a number), or the run of a job (id or prefix)."""
    if identifier.isdigit():
        return int(identifier)
    from urllib.parse import quote

    job: JobDetail = inv.call("GET", f"/v1/jobs/{quote(identifier, safe='')}").data
    if job["operation"] is None:
        from fdpctl.errors import OperationFailed

        raise OperationFailed(
            f"job {job['id']} was prepared for a language API; fdpd did not run it, so it has "
            "no events",
            hint=f"`fdpctl log {job['id']}` shows the job",
        )
    return int(job["operation"])


def _follow_one(inv: Invocation, operation_id: int) -> int:
    operation = inv.call("GET", f"/v1/operations/{operation_id}").data
    if not inv.as_json:
        print(f"# {operation['verb']} {operation_id}, started {operation['started']}", flush=True)
    for event in inv.stream("GET", f"/v1/operations/{operation_id}/events"):
        if inv.as_json:
            print(json.dumps(event), flush=True)
        else:
            print(f"  {event['id']:>4} {event['type']:<8} {_event_text(event)}", flush=True)
    if not inv.as_json:
        outcome = inv.call("GET", f"/v1/operations/{operation_id}").data["outcome"]
        print(f"# {operation['verb']} {operation_id}: {outcome}")
    return SUCCESS


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to 1000")
    return int(text)


def _event_text(event: Event) -> str:
    if event["type"] == "result":
        result = event.get("result")
        return result_text(result) if isinstance(result, dict) else str(result)
    if event["type"] == "error":
        error = event.get("error") or {}
        return f"{error.get('message')} ({error.get('code')})"
    text = str(event.get("message", ""))
    if event["type"] == "progress" and "total" in event and "phase" not in event:  # phases count
        text = f"{event.get('current', 0):g}/{event['total']:g} {text}"
    if event["type"] == "warning" and event.get("hint"):
        text += f" ({event['hint']})"
    return text


RESULT_COUNTS = (
    ("records_created", "registry record", "created"),
    ("records_patched", "registry record", "completed"),
    ("files_transferred", "file", "uploaded"),
    ("files_downloaded", "file", "downloaded"),
)
RESULT_TEXT_LENGTH = 160


def result_text(result: dict[str, Any]) -> str:
    """A result payload in a line: `ok: 2 pushed, 26 registry records created, 3 files
    uploaded (1.2 MiB)`; `--json` gives the payload itself."""
    outcome = "failed" if result.get("ok") is False else "ok"
    parts = ["dry run" if result.get("dry_run") is True else outcome]
    items = result.get("items", result.get("changes"))
    if isinstance(items, list) and items:
        statuses: dict[str, int] = {}
        for item in items:
            status = str(item.get("status")) if isinstance(item, dict) else "?"
            statuses[status] = statuses.get(status, 0) + 1
        parts += [f"{count} {status}" for status, count in sorted(statuses.items())]
    parts += _counts(result)
    if isinstance(result.get("exit_status"), int):
        parts.append(f"exit status {result['exit_status']}")
    if isinstance(result.get("message"), str):
        parts.append(result["message"])
    text = parts[0] + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")
    return text if len(text) <= RESULT_TEXT_LENGTH else text[: RESULT_TEXT_LENGTH - 3] + "..."


def _counts(result: dict[str, Any]) -> list[str]:
    from fdpctl.render import byte_size, counted

    parts = []
    for key, noun, verb in RESULT_COUNTS:
        count = result.get(key)
        if isinstance(count, int) and count:
            parts.append(f"{counted(count, noun)} {verb}")
            size = result.get(key.replace("files_", "bytes_"))
            if key.startswith("files_") and isinstance(size, int):
                parts[-1] += f" ({byte_size(size)})"
    return parts
