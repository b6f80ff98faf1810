"""Run a real command with a pseudo-terminal as its stdout and stderr, as a user's shell does,
for output that depends on being shown on a terminal (colours)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
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
