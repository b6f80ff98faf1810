"""`fdpctl run CONFIG [--dry-run] [--dirty]`: run a model job through fdpd.

The script's output is printed as it comes; fdpctl then exits with the script's exit status
(128 + N if signal N killed it). fdp's own failures (bad config, missing input, registry down)
print `fdpctl: ...` on stderr and exit 1; with `--json` the last line tells them apart: a
`result` event (with `exit_status`) or an `error` event. A run cancelled by Ctrl-C or `fdpctl
cancel` ends with an `error` event whose code is `cancelled`, and exit status 130.
"""

from __future__ import annotations

import argparse
import os
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import print_fields
from fdpctl.streaming import run_operation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "run",
        run,
        "run a model job from a user config",
        "Generate the working config, create the job folder, check the local registry, and "
        "run the script with this shell's environment plus the FDP_* variables. Exit status: "
        "the script's (128+N if killed by signal N); 1 with an `fdpctl:` message if fdp "
        "itself failed; 130 if the run was cancelled (Ctrl-C, or `fdpctl cancel`: the script's "
        "whole process group is stopped).",
    )
    parser.add_argument("config", help="the user config (config.yaml)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show the working config, environment (no token) and command; run nothing",
    )
    parser.add_argument(
        "--dirty",
        action="store_true",
        help="run with uncommitted changes (latest_commit gets a -dirty suffix)",
    )


def run(args: argparse.Namespace, inv: Invocation) -> int:
    body = {
        "config_path": os.path.abspath(args.config),
        "dirty": args.dirty,
        "dry_run": args.dry_run,
        "environment": dict(os.environ),
    }
    result = run_operation(inv, "POST", "/v1/run", body)
    if result.get("dry_run"):
        if not inv.as_json:
            _show_dry_run(result)
        return SUCCESS
    status = int(result.get("exit_status") or 0)
    if not inv.as_json and status != 0:
        job, state = result.get("job"), result.get("state")
        print(f"fdpctl: job {job} {state} ({_describe(status)})", file=sys.stderr)
    return status if status >= 0 else 128 - status


def _describe(status: int) -> str:
    return f"killed by signal {-status}" if status < 0 else f"exit status {status}"


def _show_dry_run(result: dict[str, Any]) -> None:
    print("# working config (not written)")
    sys.stdout.write(result["working_config"])
    print("# job")
    print_fields(
        [
            ("job folder", f"{result['job_folder']} (not created)"),
            ("command", " ".join(result["argv"])),
            ("working directory", result["cwd"]),
        ]
    )
    print("# environment: this shell's, plus")
    for name, value in result["environment"].items():
        print(f"{name}={value}")
