"""Writing many small files at once, as durably as one at a time but with two disk flushes in all.

`write_batch` writes each file to a hidden temporary file beside its destination (`.name.XXXX.part`,
exclusively locked while open, so the stale-part sweeps of `fdpd.store.folder` and
`fdpd.base.atomic.remove_partial_files` leave it alone while it lives and remove it after a kill),
then flushes the whole batch to disk, renames every file into place and flushes again.

Durability is the one `AtomicWriter` gives a single file: when `write_batch` returns, every file
is on disk under its final name; a crash before that leaves each final path as it was (a complete
older file or none) plus temporary files for the next sweep. The flushes are one `syncfs(2)` of
the file system that holds the batch (Linux), which costs one journal commit however many files
the batch has, in place of an fsync of every file and of every folder (milliseconds each on a
journalled disk); where `syncfs` is missing, each file and each folder is fsynced.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from fdpd.base.atomic import PART_SUFFIX, linux_errno, linux_libc_function

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

MAX_BATCH_FILES = 256  # files one batch holds open at once


def write_batch(files: Sequence[tuple[Path, bytes]], mode: int = 0o644) -> None:
    """Write each (destination, bytes) durably and atomically; an OSError leaves no temporary
    file behind and no destination changed by this call except those already renamed (complete).
    At most `MAX_BATCH_FILES` files."""
    if len(files) > MAX_BATCH_FILES:
        raise ValueError(f"at most {MAX_BATCH_FILES} files per batch, not {len(files)}")
    opened: list[tuple[int, Path, Path]] = []  # (fd, temporary, destination)
    try:
        for destination, data in files:
            destination.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(
                prefix=f".{destination.name}.", suffix=PART_SUFFIX, dir=destination.parent
            )
            opened.append((fd, Path(temp_name), destination))
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.chmod(temp_name, mode)
        fds = [fd for fd, _, _ in opened]
        _flush(fds)
        for _, temp, destination in opened:
            os.replace(temp, destination)
        _flush(fds, folders=sorted({destination.parent for _, _, destination in opened}))
    finally:
        for fd, temp, _ in opened:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()  # renamed already unless something failed


def _flush(fds: list[int], folders: Sequence[Path] = ()) -> None:
    """What was written to the files of `fds`, and (`folders`) renamed into those folders, onto
    the disk: one `syncfs` per file system they are on, else an fsync of each."""
    syncfs = linux_libc_function("syncfs", ("c_int",))  # one file system at once
    if syncfs is not None:
        devices = {os.fstat(fd).st_dev: fd for fd in fds}  # renames stay on their file system
        for fd in devices.values():
            _check(syncfs(fd))
        return
    for fd in fds:
        os.fsync(fd)
    for folder in folders:
        _fsync_folder(folder)


def _check(result: int) -> None:
    if result != 0:
        error = linux_errno()
        raise OSError(error, os.strerror(error))


def _fsync_folder(folder: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
