"""Running the job's script: argument list, cwd, environment, no stdin, stdout and stderr merged
and handed on line by line as they come."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from fdpd.errors import FdpError

CHUNK = 65536
MAX_LINE = 1 << 20  # a longer line without a newline is handed on in pieces
STOP_GRACE = 5.0


async def run_script(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], on_line: Callable[[str], None]
) -> int:
    """Run the script to its end; return its exit status (negative: killed by that signal)."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a stop reaches its children
        )
    except FileNotFoundError:
        missing = argv[0] if Path(cwd).is_dir() else str(cwd)
        raise FdpError(
            f"cannot start the job: {missing} was not found",
            hint="install it, or choose another `shell:` in the config",
            code="cannot_start",
        ) from None
    except PermissionError as exc:
        raise FdpError(f"cannot start the job: {exc}", code="cannot_start") from None
    try:
        assert process.stdout is not None
        await _pump(process.stdout, on_line)
        return await process.wait()
    except asyncio.CancelledError:
        await _stop(process)
        raise


async def _pump(stream: asyncio.StreamReader, on_line: Callable[[str], None]) -> None:
    pending = b""
    while chunk := await stream.read(CHUNK):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            on_line(_text(line))
        while len(pending) >= MAX_LINE:
            on_line(_text(pending[:MAX_LINE]))
            pending = pending[MAX_LINE:]
    if pending:
        on_line(_text(pending))


def _text(line: bytes) -> str:
    return line.removesuffix(b"\r").decode("utf-8", errors="replace")


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Stop the job's whole process group: TERM, then KILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            await asyncio.wait_for(process.wait(), wait)
            return
        except TimeoutError:
            continue
