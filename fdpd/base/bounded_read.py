"""Reading a file that a request names: regular files only, size-capped, never stalling fdpd.

A path in a request may name anything. `open()` of a FIFO with no writer blocks until one
appears, `/dev/zero` never ends, a folder or socket is no file. So the file is `stat`ed and refused
unless it is a regular file, opened with O_NONBLOCK (a FIFO swapped in after the `stat` cannot
block the open), `fstat`ed again, refused before reading when it is over the caller's cap, and
read at most cap + 1 bytes. The async forms do this in a worker thread with a timeout: a file
system that stalls (a hung network mount) fails one request, and fdpd goes on answering.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import UnreadableFile
from fdpd.base.hashing import CHUNK_SIZE

KIB = 1024
MIB = 1024 * KIB
CONFIG_CAP = 8 * MIB  # a user config, fdpd's config.yaml, remotes.yaml
TOKEN_CAP = 64 * KIB  # an API token file
READ_TIMEOUT = 30.0  # seconds for a whole capped file
STALL_TIMEOUT = 60.0  # seconds for one chunk of a data file

StatCheck = Callable[[os.stat_result], None]
T = TypeVar("T")

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: Path, what: str) -> int:
    """A read-only, non-blocking descriptor of the regular file at `path` (the caller closes it).
    `what` names the file in errors ("config file", "token file of remote origin")."""
    try:
        _require_regular(path, what, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise _os_error(path, what, error) from None
    try:
        _require_regular(path, what, os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_capped(path: Path, what: str, cap: int, check: StatCheck | None = None) -> bytes:
    """The bytes of the regular file at `path`, refused when over `cap` bytes. `check` sees the
    open file's `fstat` before anything is read (a token file's mode, say)."""
    fd = open_regular(path, what)
    try:
        status = os.fstat(fd)
        if check is not None:
            check(status)
        _require_within(path, what, status.st_size, cap)
        data = _read_up_to(fd, cap + 1)
    except OSError as error:
        raise _os_error(path, what, error) from None
    finally:
        os.close(fd)
    _require_within(path, what, len(data), cap, grew=True)  # it grew after the fstat
    return data


def read_text_if_present(path: Path, what: str, cap: int) -> str | None:
    """The UTF-8 text of the regular file at `path` (as `read_capped`), or None if there is none."""
    if not os.path.lexists(path):
        return None
    try:
        return read_capped(path, what, cap).decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"{what} {path} is not UTF-8 text (byte {error.start})",
            hint=f"check that {path} is the {what} you meant",
            code=ErrorCode.FILE_NOT_TEXT,
        ) from None


async def off_loop(
    work: Callable[[], T], path: Path, what: str, timeout: float = READ_TIMEOUT
) -> T:
    """`work()` (which reads `path`) in a worker thread, with a timeout naming the file."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(work), timeout)
    except TimeoutError:
        raise _stalled(path, what, timeout) from None


async def copy_regular(
    path: Path,
    what: str,
    write: Callable[[bytes], Awaitable[None] | None],
    stall_timeout: float = STALL_TIMEOUT,
) -> None:
    """Read the regular file at `path` chunk by chunk, off the event loop, into `write`; a chunk
    that takes longer than `stall_timeout` seconds fails the copy. No size cap (a data file)."""
    fd = await off_loop(lambda: open_regular(path, what), path, what, stall_timeout)
    try:
        while chunk := await off_loop(lambda: _read_chunk(fd), path, what, stall_timeout):
            written = write(chunk)
            if written is not None:
                await written
    except OSError as error:
        raise _os_error(path, what, error) from None
    finally:
        # A read still stuck in its thread keeps its own reference to the open file, so closing
        # the number here cannot make it read another file that reuses the number.
        os.close(fd)


def _read_chunk(fd: int) -> bytes:
    return os.read(fd, CHUNK_SIZE)


def _read_up_to(fd: int, limit: int) -> bytes:
    parts: list[bytes] = []
    left = limit
    while left > 0 and (chunk := os.read(fd, min(left, CHUNK_SIZE))):
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _require_regular(path: Path, what: str, status: os.stat_result) -> None:
    if stat.S_ISREG(status.st_mode):
        return
    kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a regular file")
    if kind == "a folder":
        raise UnreadableFile(
            f"{path} is a folder, not a {what}",
            hint=f"give the path of the {what} itself",
            code=ErrorCode.NOT_A_REGULAR_FILE,
        )
    raise UnreadableFile(
        f"{path} is {kind}, not a regular file: fdp reads the {what} only from a regular file",
        hint=f"give the path of a regular file holding the {what}",
        code=ErrorCode.NOT_A_REGULAR_FILE,
    )


def _require_within(path: Path, what: str, size: int, cap: int, grew: bool = False) -> None:
    if size > cap:
        raise UnreadableFile(
            f"{what} {path} is {'more than ' if grew else ''}{_size(cap if grew else size)}; "
            f"fdp reads at most {_size(cap)} for a {what}",
            hint=f"check that {path} is the {what} you meant",
            code=ErrorCode.FILE_TOO_LARGE,
        )


def _stalled(path: Path, what: str, timeout: float) -> UnreadableFile:
    return UnreadableFile(
        f"reading {what} {path} did not finish within {timeout:g} s",
        hint="check that the file system holding it answers (a network mount may hang)",
        code=ErrorCode.FILE_READ_TIMEOUT,
    )


def _os_error(path: Path, what: str, error: OSError) -> UnreadableFile:
    if isinstance(error, FileNotFoundError):
        return UnreadableFile(
            f"{what} {path} does not exist", hint="check the path", code=ErrorCode.FILE_NOT_FOUND
        )
    return UnreadableFile(
        f"cannot read {what} {path}: {error.strerror or error}",
        hint="check the path and its permissions",
        code=ErrorCode.FILE_UNREADABLE,
    )


def _size(size: int) -> str:
    if size >= MIB:
        return f"{size / MIB:.1f} MiB ({size} bytes)"
    if size >= KIB:
        return f"{size / KIB:.1f} KiB ({size} bytes)"
    return f"{size} bytes"
