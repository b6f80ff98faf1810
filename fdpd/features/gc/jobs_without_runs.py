"""Job folders whose code runs are gone: `delete` and `gc` remove them with the last of their
runs, and the journal shows such a job deleted (`fdpctl log`).

A job's folder (`<data store>/jobs/<id>/`) holds its working config, script and output, which its
code runs' records name. Once none of the code runs a job recorded stays in the local registry,
and no storage location that stays names a file in the folder, the folder serves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from pathlib import Path

from sqlmodel import col, select

from fdpd.features.gc.files import delete_job_folder, file_of
from fdpd.features.gc.inventory import Inventory
from fdpd.features.gc.journal_removals import mark_job_deleted
from fdpd.journal import Journal
from fdpd.journal.models import JOB_DELETED, JOB_PREPARED, JOB_RUNNING, Job

_LIVE = (JOB_PREPARED, JOB_RUNNING, JOB_DELETED)


def jobs_left_without_runs(
    journal: Journal, inventory: Inventory, removed: Collection[str]
) -> list[Job]:
    """Ended jobs that recorded code runs, none of which stays in the local registry once the
    records `removed` go, and whose folder holds no file a staying storage location names."""
    staying_runs = {
        str(node.record.get("uuid"))
        for node in inventory.of_type("code_run")
        if node.key not in removed
    }
    staying_files = [
        os.path.realpath(path)
        for node in inventory.of_type("storage_location")
        if node.key not in removed and (path := file_of(inventory, node.key)) is not None
    ]
    with journal.session() as session:
        query = select(Job).where(col(Job.state).not_in(_LIVE)).order_by(col(Job.id))
        jobs = list(session.exec(query).all())
    return [
        job
        for job in jobs
        if job.code_runs
        and not staying_runs.intersection(job.code_runs)
        and not _holds_any(Path(job.folder), staying_files)
    ]


def remove_job_folders(journal: Journal, jobs: Iterable[Job], stores: list[Path]) -> list[str]:
    """Delete each job's folder and mark the job deleted in the journal; problems, worded."""
    problems: list[str] = []
    for job in jobs:
        problem = delete_job_folder(Path(job.folder), stores)
        if problem:
            problems.append(problem)
        mark_job_deleted(journal, job.id)
    return problems


def _holds_any(folder: Path, files: list[str]) -> bool:
    inside = os.path.realpath(folder).rstrip(os.sep) + os.sep
    return any(path.startswith(inside) for path in files)
