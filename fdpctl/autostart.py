"""Starting fdpd in the background when a command needs it and it is not running."""

from __future__ import annotations

import re
import shlex
import sys
import time
from pathlib import Path

from fdpctl.errors import DaemonUnreachable
from fdpctl.transport import DAEMON_URL_VARIABLE, DaemonClient

START_TIMEOUT = 20.0  # fdpd imports its server first: seconds on a loaded machine
POLL_INTERVAL = 0.01  # a failed connect to a socket not there yet costs microseconds
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
            exited = _exit_reason(output_log, start_offset, process.returncode)
            raise _could_not_start(exited, output_log)
        time.sleep(POLL_INTERVAL)
    reason = _error_logged(_output_since(output_log, start_offset))
    raise _could_not_start(
        reason or f"fdpd did not answer within {START_TIMEOUT:.0f} s", output_log
    )


# An error line of fdpd's log, in either of its formats: `<date> <time> <pid> ERROR <logger>: ...`
# (a file) or `ERROR <logger>: ...` (journald, which adds the rest itself).
_ERROR_LINE = re.compile(r"(?:^|\s)ERROR ([\w.]+): (.*)$")
_LOGGED = "fdpd could not start: "


def _exit_reason(output_log: Path, offset: int, status: int) -> str:
    """Why fdpd exited: the last error it logged, else the last line it wrote."""
    text = _output_since(output_log, offset)
    logged = _error_logged(text)
    if logged is not None:
        return logged
    last = next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")
    said = f": {last}" if last else " without saying why"
    return f"fdpd exited with status {status}{said}"


def _output_since(output_log: Path, offset: int) -> str:
    try:
        with open(output_log, "rb") as output:
            output.seek(offset)
            return output.read(64 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _error_logged(text: str) -> str | None:
    """The last error fdpd logged in `text` ("fdpd could not start: <message> (<hint>)")."""
    errors = [
        found.group(2) if found.group(1) == "fdpd" else f"{found.group(1)}: {found.group(2)}"
        for found in map(_ERROR_LINE.search, text.splitlines())
        if found is not None
    ]
    return f"{_LOGGED}{errors[-1]}" if errors else None


def _could_not_start(reason: str, output_log: Path) -> DaemonUnreachable:
    command = shlex.join(daemon_command())
    if reason.startswith(_LOGGED):
        hint = f"fix what fdpd says, then run the command again (to watch it start: {command})"
    else:
        hint = f"start it yourself to see why: {command}"
    return DaemonUnreachable(f"{reason}; see {output_log}", hint=hint)
