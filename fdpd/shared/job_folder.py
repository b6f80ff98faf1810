"""Job folders: `<data store>/jobs/<YYYY-MM-DD_HH_MM_SS_ffffff>/`, created exclusively, and the
files fdpd puts in them (docs/language-api-contract.md)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from fdpd.base.atomic import PART_SUFFIX, fsync_folder
from fdpd.base.bounded_read import MIB, read_text_if_present
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.userconfig import JobScript

JOB_FOLDER_FORMAT = "%Y-%m-%d_%H_%M_%S_%f"
CONFIG_NAME = "config.yaml"
CODERUNS_NAME = "coderuns.txt"
CODERUNS_CAP = 16 * MIB  # one 36-character uuid per line: about 450,000 code runs
MAX_CLASHES = 1000


def jobs_dir(data_store: Path) -> Path:
    return data_store / "jobs"


def job_dir_for(data_store: Path, instant: datetime) -> Path:
    """Where the job of `instant` lives (not created)."""
    return jobs_dir(data_store) / instant.strftime(JOB_FOLDER_FORMAT)


def create_job_folder(data_store: Path, instant: datetime) -> tuple[Path, datetime]:
    """Create the job folder exclusively; on a clash take the next free microsecond.

    Returns the folder and the instant it is named after (the job's instant from then on).
    """
    parent = jobs_dir(data_store)
    moment = instant
    for _ in range(MAX_CLASHES):
        folder = job_dir_for(data_store, moment)
        try:
            folder.mkdir()
        except FileExistsError:
            moment += timedelta(microseconds=1)
            continue
        except FileNotFoundError:  # no jobs folder yet, or a refused job just removed it
            _make_jobs_folder(parent)
            continue
        return folder, moment
    raise FdpError(f"cannot find a free job folder name in {parent}", code=ErrorCode.JOB_FOLDER)


def _make_jobs_folder(parent: Path) -> None:
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FdpError(
            f"cannot create the jobs folder {parent}: {exc.strerror}",
            hint="check that the data store is writable",
            code=ErrorCode.JOB_FOLDER,
        ) from None


def write_job_files(folder: Path, working_config: str, script: JobScript) -> None:
    """Put the working config and the job's script into `folder` (before the job starts).

    Each is written to a temporary name, fsynced and renamed (a crash never leaves half a file
    under its name, as `atomic_write_bytes`); the renames are made durable by one fsync of the
    folder for both, not one each: three fsyncs where two atomic writes take four. A
    `script_path:` script is copied (not fsynced, as before)."""
    files = [(folder / CONFIG_NAME, working_config.encode("utf-8"), 0o644)]
    if script.content is not None:
        files.append((script.path, script.content, 0o755))
    written: list[tuple[Path, Path]] = []
    try:
        for final, data, mode in files:
            written.append((_durable_temporary(final, data, mode), final))
        for temporary, final in written:
            os.replace(temporary, final)
    finally:
        for temporary, _ in written:
            temporary.unlink(missing_ok=True)
    for parent in dict.fromkeys(final.parent for final, _, _ in files):
        fsync_folder(parent)
    if script.content is None and script.source is not None:
        shutil.copyfile(script.source, script.path)
        shutil.copymode(script.source, script.path)


def _durable_temporary(final: Path, data: bytes, mode: int) -> Path:
    """`data` in a fsynced temporary file beside `final` (named as `AtomicWriter` names them, so
    fdpd's start-up removes one a crash left)."""
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=PART_SUFFIX, dir=final.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def remove_job_folder(folder: Path, *, keep_jobs_folder: bool = False) -> None:
    """Remove a job folder fdpd created but could not use (nothing ran in it), and the jobs
    folder too if that leaves it empty, unless it was there before the job (`keep_jobs_folder`):
    a refused job leaves the data store as it found it."""
    shutil.rmtree(folder, ignore_errors=True)
    if keep_jobs_folder:
        return
    with contextlib.suppress(OSError):  # not empty: other jobs live there
        folder.parent.rmdir()


def read_coderuns(folder: Path) -> list[str]:
    """The code run uuids `finalise` recorded (newline-separated; none if it never finished)."""
    text = read_text_if_present(folder / CODERUNS_NAME, "code run list", CODERUNS_CAP)
    if text is None:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]
