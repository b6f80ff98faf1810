"""Job folders: `<data store>/jobs/<YYYY-MM-DD_HH_MM_SS_ffffff>/`, created exclusively, and the
files fdpd puts in them (docs/language-api-contract.md)."""

from __future__ import annotations

import contextlib
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from fdpd.base.bounded_read import MIB, read_text_if_present
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.store import atomic_write_bytes
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
    """Put the working config and the job's script into `folder` (before the job starts)."""
    atomic_write_bytes(folder / CONFIG_NAME, working_config.encode("utf-8"))
    if script.content is not None:
        atomic_write_bytes(script.path, script.content, mode=0o755)
    elif script.source is not None:
        shutil.copyfile(script.source, script.path)
        shutil.copymode(script.source, script.path)


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
