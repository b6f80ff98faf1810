"""`fdpctl uncommit ITEM|PATH`: take a committed item back (committed → local)."""

from __future__ import annotations

import argparse

from fdpctl.cli import Invocation, add_command
from fdpctl.commands.commit import TARGET_HELP, show_transitions, target_body
from fdpctl.errors import SUCCESS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "uncommit",
        uncommit,
        "take back a commit (the item will not be pushed)",
        "Move the item and its committed provenance back to local; records that another "
        "committed item needs stay committed. Pushed items cannot be taken back.",
    )
    parser.add_argument("target", metavar="ITEM|PATH", help=TARGET_HELP)


def uncommit(args: argparse.Namespace, inv: Invocation) -> int:
    answer = inv.call("POST", "/v1/uncommit", target_body(args.target))
    show_transitions(answer.data, "uncommitted", inv.as_json)
    return SUCCESS
