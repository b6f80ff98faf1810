"""`fdpctl registry start|stop|status|open`: the local registry that fdpd supervises."""

from __future__ import annotations

import os
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS, CommandError
from fdpctl.render import print_fields, print_json, registry_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from fdpd.base.wire import RegistryOpened, RegistryState


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("registry", help="start, stop and inspect the local registry")
    commands = parser.add_subparsers(metavar="COMMAND", required=True, prog="fdpctl registry")
    add_command(commands, "start", start, "start the local registry and keep it running")
    add_command(commands, "stop", stop, "let the local registry stop (now, unless a run needs it)")
    add_command(
        commands,
        "status",
        status,
        "show url, pid, holders, uptime and restarts",
        "Show the local registry's state (`fdpctl registry open` prints a signed-in URL of its "
        "web view; status mints no login code).",
    )
    opener = add_command(
        commands,
        "open",
        open_in_browser,
        "start the local registry and open its web view, signed in, in a browser",
        "Start the local registry (held until `fdpctl registry stop`) and print a URL of its "
        "web view with a one-time login code (valid once, for two minutes), which signs the "
        "browser in as you, so it shows your private items too; opens it in the default browser "
        "when there is a display. The URL's host is the registry's own name under .localhost "
        "(browsers resolve it to this machine), so its session goes to no other local program.",
    )
    opener.add_argument("--no-browser", action="store_true", help="only print the URL")


def start(_: argparse.Namespace, inv: Invocation) -> int:
    return _show(inv, inv.call("POST", "/v1/registry/start").data)


def stop(_: argparse.Namespace, inv: Invocation) -> int:
    return _show(inv, inv.call("POST", "/v1/registry/stop").data)


def status(_: argparse.Namespace, inv: Invocation) -> int:
    return _show(inv, inv.call("GET", "/v1/registry/status").data)


def open_in_browser(args: argparse.Namespace, inv: Invocation) -> int:
    data: RegistryOpened = inv.call("POST", "/v1/registry/open").data
    url = data["browser_url"]
    if not url:
        raise CommandError(
            f"the local registry at {data['url']} has no web view to open "
            f"(it is {data['state']}, or it is a `registry: command:` of your own)",
            hint="`fdpctl registry status` shows its state; the web view is fdp's registry's",
        )
    if inv.as_json:
        print_json(data)
    else:
        print(f"web view: {url}")
        print("(the login code works once, for two minutes; `fdpctl registry stop` when done)")
    if not args.no_browser and _has_display():
        _open(url)
    return SUCCESS


def _has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def _open(url: str) -> None:
    """Opens `url` through a 0600 redirect file, as Jupyter does: the login code then never
    appears on the browser's command line, which other users of the machine can read."""
    import html
    import tempfile
    import webbrowser

    handle, path = tempfile.mkstemp(prefix="fdp-registry-open-", suffix=".html")
    target = html.escape(url, quote=True)
    page = f'<!DOCTYPE html><meta http-equiv="refresh" content="0; url={target}">'
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(page)
    if not webbrowser.open(f"file://{path}"):
        print("no browser could be started: open the URL above yourself", file=sys.stderr)


def _show(inv: Invocation, data: RegistryState) -> int:
    if inv.as_json:
        print_json(data)
        return SUCCESS
    if data["state"] == "external":
        print_fields([("registry", registry_line(data["state"], data["url"]))])
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
    fields.append(("idle stop", f"after {data['idle_timeout']:.0f} s without holders or requests"))
    print_fields(fields)
    return SUCCESS
