"""Run a real command with a pseudo-terminal as its stdout and stderr, as a user's shell does,
for output that depends on being shown on a terminal (colours), or with the terminal as its
controlling terminal, to press Ctrl-C at it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_on_terminal(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None, timeout: float = 120
) -> tuple[int, str]:
    """Exit status and everything the command wrote to the terminal (stdout and stderr)."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**env, "TERM": "xterm"},
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=terminal,
        )
    finally:
        os.close(terminal)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: every process holding the terminal has closed it
                break
            if not chunk:
                break
            chunks.append(chunk)
        status = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait()
    return status, b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")


def interrupt_on_terminal(
    argv: Sequence[str], env: Mapping[str, str], ready: str, timeout: float = 120
) -> tuple[int, str]:
    """Start the command on a terminal of its own, press Ctrl-C once it has written `ready`,
    and return its exit status and everything it wrote (the terminal's echo of ^C included)."""
    controller, terminal = pty.openpty()

    def take_terminal() -> None:  # in the child: a session whose controlling terminal is ours
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # not ignored, as in `pytest &`

    try:
        process = subprocess.Popen(
            list(argv),
            env={**env, "TERM": "xterm"},
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            preexec_fn=take_terminal,
        )
    finally:
        os.close(terminal)
    written = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while ready.encode() not in written:
            if not _read_into(written, controller, deadline) and process.poll() is not None:
                raise AssertionError(f"{argv[0]} ended before {ready!r}:\n{written.decode()}")
        os.write(controller, b"\x03")  # what the Ctrl-C key sends; the terminal signals SIGINT
        while process.poll() is None or _read_into(written, controller, deadline):
            if time.monotonic() > deadline:
                raise AssertionError(f"{argv[0]} did not stop:\n{written.decode()}")
        status = process.wait(timeout=10)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait()
    return status, written.decode(errors="replace").replace("\r\n", "\n")


def _read_into(written: bytearray, controller: int, deadline: float) -> bool:
    """Append what the terminal has to `written` (waiting up to 0.2 s): whether it had any."""
    if time.monotonic() > deadline:
        raise AssertionError(f"timed out; the terminal showed:\n{written.decode()}")
    ready, _, _ = select.select([controller], [], [], 0.2)
    if not ready:
        return False
    try:
        chunk = os.read(controller, 65536)
    except OSError:  # EIO: every process holding the terminal has closed it
        return False
    written += chunk
    return bool(chunk)
