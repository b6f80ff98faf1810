"""`fdpctl rerun ITEM [--keep] [--script-only] [--scheduler slurm [--sbatch ARG]]`: run a
recorded code run again and say whether it came out the same (through SLURM with `--scheduler
slurm`, as `fdpctl run`).

The script's output is printed as it comes (stdout). At the end: `reproduced: 3 of 3 outputs
identical` (exit 0), or a table of the outputs that differ (name, sizes, and for a text file the
first differing line) with exit status 5 (NOT_REPRODUCED); a model that failed in the rerun also
exits 5. fdp's own failures (nothing named, no code, commit unavailable, an input changed) print
`fdpctl: ...` and exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.commands.run import RunEvents
from fdpctl.errors import NOT_REPRODUCED, SUCCESS
from fdpctl.render import print_table
from fdpctl.streaming import Operation, run_operation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpctl.transport import EventStream
    from fdpd.base.wire import RerunDifference, RerunResult


RERUN: Operation[RerunResult] = Operation("POST", "/v1/rerun")


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "rerun",
        rerun,
        "run a recorded code run again and say whether it came out the same",
        "ITEM is a code run (uuid or a unique prefix), a job id, or a data product "
        "namespace:name@version (the run that made it), in the local registry. fdp checks out "
        "the recorded commit in a scratch git worktree, runs the recorded working config as it "
        "was (reads at the recorded versions) and compares every output's SHA-1 with the "
        "original's. It registers nothing unless --keep. Exit status: 0 reproduced, "
        f"{NOT_REPRODUCED} an output differs (or the model failed), 1 fdp could not rerun it.",
    )
    parser.add_argument("item", help="code run uuid (prefix), job id, or namespace:name@version")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the rerun as a new code run (its description names the run it reproduces)",
    )
    parser.add_argument(
        "--script-only",
        action="store_true",
        help="run the recorded script alone, in an empty folder (no code repository)",
    )
    parser.add_argument(
        "--scheduler",
        choices=("local", "slurm"),
        help="where the rerun's job runs: local (a child process of fdpd) or slurm (submitted "
        "with sbatch, as `fdpctl run --scheduler slurm`); default: `scheduler:` in fdpd's "
        "config.yaml, else local",
    )
    parser.add_argument(
        "--sbatch",
        action="append",
        default=[],
        metavar="ARG",
        help="an sbatch option for the SLURM job, e.g. --sbatch=--mem=4G (repeatable)",
    )


def rerun(args: argparse.Namespace, inv: Invocation) -> int:
    body: dict[str, Any] = {
        "item": args.item,
        "keep": args.keep,
        "script_only": args.script_only,
        "environment": dict(os.environ),
    }
    if args.scheduler:
        body["scheduler"] = args.scheduler
    if args.sbatch:
        body["sbatch"] = args.sbatch

    def until(stream: EventStream) -> RunEvents:  # where SLURM has the job goes to stderr
        return RunEvents(stream, detach=False, as_json=inv.as_json)

    result = run_operation(inv, RERUN, body, until)
    if not inv.as_json:
        _show(result)
    return SUCCESS if result["reproduced"] else NOT_REPRODUCED


def _show(result: RerunResult) -> None:
    out = sys.stderr
    done, total = result["identical"], result["outputs"]
    kept = (
        f"; kept as code run {result['new_code_run']} (job {result['job']})"
        if result["kept"]
        else ""
    )
    if result["verdict"] == "failed":
        print(
            f"not reproduced: the model failed in the rerun (exit status "
            f"{result['exit_status']}; `fdpctl log {result['job']}` shows its output)",
            file=out,
        )
        return
    if result["reproduced"]:
        print(f"reproduced: {done} of {total} outputs identical{kept}", file=out)
    else:
        print(f"not reproduced: {done} of {total} outputs identical{kept}", file=out)
        print_table(
            ("OUTPUT", "ORIGINAL", "RERUN", "SIZES", "FIRST DIFFERING LINE"),
            (_row(d) for d in result["differences"]),
            out,
        )
    if result["kept"]:
        print(f"next: fdpctl commit {result['job']}   (then fdpctl push)", file=out)


def _row(difference: RerunDifference) -> tuple[str, str, str, str, str]:
    sizes = f"{_size(difference['original_size'])} -> {_size(difference['rerun_size'])}"
    line = ""
    if difference["line"] is not None:
        line = (
            f"{difference['line']}: {difference['original_line']!r} -> {difference['rerun_line']!r}"
        )
    return (
        difference["output"],
        difference["original"] or "(none)",
        difference["rerun"] or "(not made)",
        sizes,
        line,
    )


def _size(size: int | None) -> str:
    return "-" if size is None else f"{size} B"
