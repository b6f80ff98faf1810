"""`fdpctl registry start|stop|status`: the local registry that fdpd supervises."""

from __future__ import annotations

import argparse

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import print_fields, print_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("registry", help="start, stop and inspect the local registry")
    commands = parser.add_subparsers(metavar="COMMAND", required=True, prog="fdpctl registry")
    add_command(commands, "start", start, "start the local registry and keep it running")
    add_command(commands, "stop", stop, "let the local registry stop (now, unless a run needs it)")
    add_command(commands, "status", status, "show url, pid, holders, uptime and restarts")


def start(_: argparse.Namespace, inv: Invocation) -> int:
    return _show(inv, inv.call("POST", "/v1/registry/start").data)


def stop(_: argparse.Namespace, inv: Invocation) -> int:
    return _show(inv, inv.call("POST", "/v1/registry/stop").data)


def status(_: argparse.Namespace, inv: Invocation) -> int:
    return _show(inv, inv.call("GET", "/v1/registry/status").data)


def _show(inv: Invocation, data: dict[str, Any]) -> int:
    if inv.as_json:
        print_json(data)
        return SUCCESS
    running = data["state"] == "running"
    fields: list[tuple[str, object]] = [
        ("registry", f"{data['state']} at {data['url']}"),
    ]
    if running:
        pid = data["pid"] if data["pid"] is not None else "unknown"
        fields.append(("pid", f"{pid}{' (adopted)' if data['adopted'] else ''}"))
        fields.append(("uptime", f"{data['uptime']:.0f} s"))
    fields.append(("holders", ", ".join(data["holders"]) or "none"))
    fields.append(("restarts", data["restarts"]))
    fields.append(("idle stop", f"after {data['idle_timeout']:.0f} s without holders"))
    print_fields(fields)
    return SUCCESS
