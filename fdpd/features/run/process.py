"""Running the job's script: argument list, cwd, environment, no stdin, stdout and stderr merged
and handed on line by line as they come. The script runs in a process group of its own; when the
operation is cancelled (or fdpd shuts down) the whole group is stopped: SIGTERM, then SIGKILL
after a grace period."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.cancellation import OperationCancelled, abortable
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError

CHUNK = 65536
MAX_LINE = 1 << 20  # a longer line without a newline is handed on in pieces
STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL
OUTPUT_AFTER_STOP = 1.0  # seconds to read what the stopped script still printed


@dataclass(frozen=True)
class ScriptEnd:
    status: int  # negative: killed by that signal
    stopped: bool = False  # fdpd stopped it because the operation was cancelled
    killed: bool = False  # ...and some of its processes needed SIGKILL
    reason: str = ""  # how a scheduler says it ended, when not by the script's own exit


async def run_script(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], on_line: Callable[[str], None]
) -> ScriptEnd:
    """Run the script to its end, or until the operation is cancelled (then its process group
    is stopped); return how it ended."""
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
            code=ErrorCode.CANNOT_START,
        ) from None
    except PermissionError as exc:
        raise FdpError(f"cannot start the job: {exc}", code=ErrorCode.CANNOT_START) from None
    assert process.stdout is not None
    pump = asyncio.ensure_future(_pump(process.stdout, on_line))

    async def to_the_end() -> int:
        await asyncio.shield(pump)  # a cancel stops the waiting, not the reading of its output
        return await process.wait()

    try:
        return ScriptEnd(await abortable(to_the_end(), "while the script ran"))
    except OperationCancelled:
        killed = await _stop(process)
        await asyncio.wait({pump}, timeout=OUTPUT_AFTER_STOP)  # its last words, if any
        pump.cancel()
        return ScriptEnd(await process.wait(), stopped=True, killed=killed)
    except asyncio.CancelledError:
        pump.cancel()
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


async def _stop(process: asyncio.subprocess.Process) -> bool:
    """Stop the job's whole process group: TERM, then KILL whatever of it is left after a grace
    period (a child that outlived the script included). True if some of it needed KILL."""
    group = process.pid  # the script leads its own group (start_new_session)
    signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while group_alive(group) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    killed = group_alive(group)
    signal_group(group, signal.SIGKILL)
    await process.wait()
    return killed


def signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
