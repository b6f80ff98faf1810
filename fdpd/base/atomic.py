"""Writing files so that the final path only ever holds a complete file.

Bytes go to a temporary file in the destination's folder (same file system, so the rename is
atomic), are flushed and fsynced, and only then renamed over the final path. Anything that fails
before the rename leaves no trace at the final path.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

from fdpd.base.background import BackgroundConsumer
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError


class StoreWriteError(FdpError):
    """A file could not be written into a data store (full disk, quota, permissions)."""

    code = ErrorCode.STORE_WRITE_FAILED


def store_write_error(where: Path, error: OSError) -> StoreWriteError:
    """`error` from writing at `where`, worded for the user with what to do about it."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        hint = f"free space on the disk that holds {where.parent} and run the command again"
    else:
        hint = f"check that {where.parent} is writable, then run the command again"
    return StoreWriteError(f"cannot write {where}: {error.strerror or error}", hint=hint)


WRITEBACK_BYTES = 8 * 1024 * 1024
PART_SUFFIX = ".part"  # temporary files are hidden (`.name.XXXX.part`) and end in this


class AtomicWriter:
    """A temporary file beside `final_path` that becomes `final_path` on `commit()`.

    It hashes (SHA-1) and counts what is written, so a receiver can check content before keeping
    it. Used as a context manager, it discards the temporary file unless committed. With
    `background=True` the writing and hashing happen on a worker thread, overlapping with whatever
    produces the next chunks (big transfers); a write error then surfaces from a later `write()`,
    `sha1` or `commit()`.
    """

    def __init__(self, final_path: Path, mode: int = 0o644, *, background: bool = False) -> None:
        self.final_path = final_path
        self._mode = mode
        final_path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{final_path.name}.", suffix=PART_SUFFIX, dir=final_path.parent
        )
        self._temp_path = Path(temp_name)
        self._file = os.fdopen(fd, "wb")
        self._digest = hashlib.sha1()
        self.size = 0
        self._done = False
        self._unsynced = 0  # bytes written since the disk was last asked to write them
        self._background = BackgroundConsumer(self._store) if background else None

    def write(self, chunk: bytes) -> None:
        if self._background is not None:
            self._background.feed(chunk)
        else:
            self._store(chunk)
        self.size += len(chunk)

    def _store(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._digest.update(chunk)
        self._unsynced += len(chunk)
        if self._unsynced >= WRITEBACK_BYTES:
            self._start_writeback()

    def _start_writeback(self) -> None:
        """Have the disk start writing what is written so far, so that the fsync of `commit()`
        finds little left to do: the disk works while bytes still arrive (Linux only)."""
        self._unsynced = 0
        sync_file_range = _sync_file_range()
        if sync_file_range is not None:
            self._file.flush()
            sync_file_range(self._file.fileno(), 0, 0, _SYNC_FILE_RANGE_WRITE)

    def _settle(self) -> None:
        """Wait for the worker thread to store everything; later writes are synchronous."""
        background, self._background = self._background, None
        if background is not None:
            background.finish()

    @property
    def sha1(self) -> str:
        """SHA-1 (hex) of everything written so far."""
        self._settle()
        return self._digest.hexdigest()

    def commit(self) -> Path:
        """Flush, fsync and rename onto the final path (replacing any file there)."""
        self._settle()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.chmod(self._temp_path, self._mode)
        os.replace(self._temp_path, self.final_path)
        self._done = True
        fsync_folder(self.final_path.parent)
        return self.final_path

    def discard(self) -> None:
        if self._done:
            return
        self._done = True
        with contextlib.suppress(BaseException):  # the file goes, whatever went wrong writing it
            self._settle()
        try:
            self._file.close()  # flushes: fails again on a full disk, the file goes anyway
        except OSError:
            pass
        finally:
            self._temp_path.unlink(missing_ok=True)

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.discard()


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` with `data` atomically; `mode` 0o600 for secrets."""
    with AtomicWriter(path, mode=mode) as writer:
        writer.write(data)
        writer.commit()


def remove_partial_files(folder: Path) -> list[Path]:
    """Delete the temporary files writers left under `folder` when their process was killed.

    Only safe while no writer is at work there (fdpd calls it at start-up, before serving)."""
    removed = []
    for parent, _, names in os.walk(folder):
        for name in names:
            if name.startswith(".") and name.endswith(PART_SUFFIX):
                path = Path(parent, name)
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


@cache
def linux_libc_function(name: str, argtypes: tuple[str, ...]) -> Any | None:
    """A function of Linux's libc that Python's `os` does not offer (`sync_file_range`,
    `syncfs`), returning a C int and setting errno; None elsewhere or where libc lacks it.
    `argtypes` names ctypes' types (`"c_int"`). Looked up at its first use, once: ctypes is
    imported then, not when fdpd or a registry starts."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = [getattr(ctypes, argtype) for argtype in argtypes]
    function.restype = ctypes.c_int
    return function


def linux_errno() -> int:
    """errno as a function of `linux_libc_function` left it."""
    import ctypes

    return ctypes.get_errno()


_SYNC_FILE_RANGE_WRITE = 2  # start writing dirty pages out; do not wait for the disk


def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    function: Callable[[int, int, int, int], int] | None = linux_libc_function(
        "sync_file_range", ("c_int", "c_int64", "c_int64", "c_uint")
    )
    return function


def fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened this way on Windows."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
