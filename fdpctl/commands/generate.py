"""`fdpctl generate CONFIG [-o FILE]`: the working config of CONFIG, without running anything."""

from __future__ import annotations

import argparse
import os
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS, CommandError
from fdpctl.render import print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fdpd.base.wire import WorkingConfigOut


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "generate",
        generate,
        "print the working config of a user config (runs nothing)",
        "Resolve CONFIG against the local registry only (no network): templates, wildcards, "
        "versions and defaults, exactly as `fdpctl run` would. No job folder is created: "
        "script_path names the folder a run started now would use.",
    )
    parser.add_argument("config", help="the user config (config.yaml)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead")
    parser.add_argument(
        "--dirty", action="store_true", help="accept uncommitted changes in the git repository"
    )


def generate(args: argparse.Namespace, inv: Invocation) -> int:
    body = {
        "config_path": os.path.abspath(args.config),
        "dirty": args.dirty,
        "create_job_folder": False,
    }
    answer: WorkingConfigOut = inv.call("POST", "/v1/working-config", body).data
    if inv.as_json:
        print_json(answer)
    for warning in answer.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if args.output:
        _write(args.output, answer["working_config"])
    elif not inv.as_json:
        sys.stdout.write(answer["working_config"])
    return SUCCESS


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None
