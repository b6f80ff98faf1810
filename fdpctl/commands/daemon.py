"""`fdpctl daemon start|stop|status|check`."""

from __future__ import annotations

import os
import time

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS, DaemonUnreachable, OperationFailed
from fdpctl.render import print_fields, print_json, registry_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from fdpd.base.wire import DaemonStatus, Ping, SelfCheck, Stopping

STOP_TIMEOUT = 10.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("daemon", help="start, stop and inspect fdpd")
    commands = parser.add_subparsers(metavar="COMMAND", required=True, prog="fdpctl daemon")
    add_command(commands, "start", start, "start fdpd in the background (if not running)")
    add_command(commands, "stop", stop, "ask fdpd to shut down and wait until it has")
    add_command(commands, "status", status, "show whether fdpd runs, where, and since when")
    add_command(
        commands, "check", check, "let fdpd check its folders, files, journal and disk space"
    )


def start(_: argparse.Namespace, inv: Invocation) -> int:
    from fdpctl.autostart import ensure_running, is_running

    was_running = is_running(inv.client)
    if not was_running:
        ensure_running(inv.client)
    ping: Ping = inv.call("GET", "/v1/ping", autostart=False).data
    if inv.as_json:
        print_json({"already_running": was_running, **ping})
    elif was_running:
        print(f"fdpd already running (pid {ping['pid']})")
    else:
        print(f"fdpd started (pid {ping['pid']}, socket {ping['socket']})")
    return SUCCESS


def stop(_: argparse.Namespace, inv: Invocation) -> int:
    try:
        answer: Stopping = inv.call("POST", "/v1/daemon/stop", autostart=False).data
    except DaemonUnreachable:
        _say(inv, {"stopped": False, "running": False}, "fdpd is not running")
        return SUCCESS
    pid = int(answer["pid"])
    _wait_until_gone(inv, pid)
    _say(inv, {"stopped": True, "pid": pid}, f"fdpd stopped (pid {pid})")
    return SUCCESS


def status(_: argparse.Namespace, inv: Invocation) -> int:
    try:
        data: DaemonStatus = inv.call("GET", "/v1/daemon/status", autostart=False).data
    except DaemonUnreachable as exc:
        raise DaemonUnreachable(
            f"fdpd is not running ({inv.client.where})", hint="start it with `fdpctl daemon start`"
        ) from exc
    if inv.as_json:
        print_json(data)
        return SUCCESS
    listeners, where = data["listeners"], data["locations"]
    fields: list[tuple[str, object]] = [
        ("fdpd", f"running, version {data['version']}, pid {data['pid']}"),
        ("since", f"{data['started']} (up {_duration(data['uptime_seconds'])})"),
        ("socket", listeners["socket"] or "-"),
    ]
    if listeners["socket_activated"]:
        fields.append(("activation", "systemd socket"))
    if listeners["tcp"]:
        fields.append(("tcp", f"{listeners['tcp']} (bearer token)"))
    fields += [("journal", where["journal"]), ("log", where["log"])]
    registry = data.get("registry")
    if registry:
        fields.append(("registry", registry_line(registry["state"], registry["url"])))
    if data["running_operations"]:
        fields.append(("running", ", ".join(map(str, data["running_operations"]))))
    print_fields(fields)
    return SUCCESS


def check(_: argparse.Namespace, inv: Invocation) -> int:
    from fdpctl.streaming import Operation, run_operation  # `status` and the rest need neither

    operation: Operation[SelfCheck] = Operation("POST", "/v1/daemon/check")
    result = run_operation(inv, operation)
    if not inv.as_json:
        print(f"all {len(result.get('checks', []))} checks passed")
    return SUCCESS


def _wait_until_gone(inv: Invocation, pid: int) -> None:
    from fdpctl.autostart import is_running

    local = not inv.client.over_tcp
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not (local and _pid_alive(pid)) and not is_running(inv.client):
            return
        time.sleep(0.05)
    raise OperationFailed(
        f"fdpd (pid {pid}) did not stop within {STOP_TIMEOUT:.0f} s",
        hint=f"look at its log; end it with: kill {pid}",
    )


def _pid_alive(pid: int) -> bool:
    """Whether process `pid` still runs; a zombie (exited, not yet reaped) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS): the signal probe is all there is


def _say(inv: Invocation, data: dict[str, Any], text: str) -> None:
    if inv.as_json:
        print_json(data)
    else:
        print(text)


def _duration(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
