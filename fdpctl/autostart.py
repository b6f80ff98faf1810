"""Starting fdpd in the background when a command needs it and it is not running."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from fdpctl.errors import DaemonUnreachable
from fdpctl.transport import DAEMON_URL_VARIABLE, DaemonClient

START_TIMEOUT = 20.0  # fdpd imports its server first: seconds on a loaded machine
POLL_INTERVAL = 0.05
OUTPUT_LOG_NAME = "fdpd-output.log"


def daemon_command() -> list[str]:
    """The command that runs fdpd with the same Python (and virtualenv) as this fdpctl."""
    return [sys.executable, "-m", "fdpd"]


def is_running(client: DaemonClient) -> bool:
    try:
        client.request("GET", "/v1/ping")
    except DaemonUnreachable:
        return False
    return True


def ensure_running(client: DaemonClient) -> None:
    """Return once fdpd answers; start it detached first if needed (Unix socket only)."""
    if is_running(client):
        return
    if client.over_tcp:
        raise DaemonUnreachable(
            f"fdpd is not answering at {client.url}",
            hint=f"start it there (fdpd --tcp HOST:PORT) or unset {DAEMON_URL_VARIABLE}",
        )
    start_detached(client)


def start_detached(client: DaemonClient) -> None:
    import subprocess

    locations = client.locations
    output_log = locations.log_dir / OUTPUT_LOG_NAME
    command = daemon_command()
    try:
        locations.ensure()  # private folders, before fdpd creates anything in them
        with open(output_log, "ab") as output:
            start_offset = output.tell()
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # survives the terminal that started it
                close_fds=True,
            )
    except OSError as exc:
        raise _could_not_start(f"cannot start fdpd: {exc}", output_log) from None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if is_running(client):
            return
        if process.poll() is not None and not is_running(client):
            reason = _error_logged(output_log, start_offset) or (
                f"fdpd exited with status {process.returncode}"
            )
            raise _could_not_start(reason, output_log)
        time.sleep(POLL_INTERVAL)
    raise _could_not_start(f"fdpd did not answer within {START_TIMEOUT:.0f} s", output_log)


def _error_logged(output_log: Path, offset: int) -> str | None:
    """The last error fdpd logged since `offset` ("fdpd: <message> (<hint>)"), if any."""
    try:
        with open(output_log, "rb") as output:
            output.seek(offset)
            text = output.read(64 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return None
    errors = [
        line.split(" ERROR ", 1)[1].removeprefix("fdpd: ")
        for line in text.splitlines()
        if " ERROR " in line
    ]
    return f"fdpd could not start: {errors[-1]}" if errors else None


def _could_not_start(reason: str, output_log: Path) -> DaemonUnreachable:
    return DaemonUnreachable(
        f"{reason}; see {output_log}",
        hint=f"start it yourself to see why: {shlex.join(daemon_command())}",
    )
