"""The journal's jobs and their items: creating, finishing, listing, what a job printed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import col, select

from fdpd.base.errors import NotFound
from fdpd.journal.database import Journal, utc_now
from fdpd.journal.models import (
    ITEM_COMMITTED,
    ITEM_FAILED,
    ITEM_PULLED,
    ITEM_PUSHED,
    JOB_DELETED,
    JOB_INTERRUPTED,
    JOB_RUNNING,
    RUNNING,
    Item,
    Job,
    Operation,
)

SETTLED = (ITEM_COMMITTED, ITEM_PUSHED, ITEM_PULLED)  # states a later job's findings keep


@dataclass(frozen=True)
class NewItem:
    path: str  # /api/<type>/<id>/
    type: str
    uuid: str | None = None
    label: str | None = None  # how `status` names it (see `Item.label`)


def add_job(journal: Journal, job: Job) -> None:
    with journal.session() as session:
        session.add(job)


def finish_job(
    journal: Journal,
    job_id: str,
    state: str,
    *,
    exit_status: int | None = None,
    code_runs: Iterable[str] = (),
    warnings: Iterable[str] = (),
    records_pending: bool = False,
) -> Job:
    with journal.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"no job {job_id} in the journal")
        job.state = state
        job.exit_status = exit_status
        job.ended = utc_now()
        job.code_runs = list(code_runs)
        job.warnings = [*job.warnings, *warnings]
        job.records_pending = records_pending
        session.add(job)
        return job


def pending_jobs(journal: Journal) -> list[Job]:
    """Finished jobs whose records are not recorded yet (`Job.records_pending`), oldest first;
    not those whose run is still under way (it records them itself)."""
    with journal.session() as session:
        running = select(Operation.id).where(Operation.outcome == RUNNING)
        query = (
            select(Job)
            .where(
                col(Job.records_pending),
                Job.state != JOB_DELETED,
                or_(col(Job.operation_id).is_(None), col(Job.operation_id).not_in(running)),
            )
            .order_by(col(Job.id))
        )
        return list(session.exec(query).all())


def jobs_declaring_private(journal: Journal) -> list[Job]:
    """The jobs (not deleted) whose working config may declare an output private: fdp writes
    every write item's `public`, so the text holds `public: false` (its YAML is parsed by the
    caller)."""
    with journal.session() as session:
        query = select(Job).where(
            col(Job.working_config).contains("public: false"), Job.state != JOB_DELETED
        )
        return list(session.exec(query).all())


def records_recorded(
    journal: Journal, job_id: str, code_runs: Iterable[str], warnings: Iterable[str]
) -> None:
    """A pending job's records are recorded now (its items by `record_items`)."""
    with journal.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return  # deleted meanwhile
        job.code_runs = list(code_runs)
        job.warnings = [*job.warnings, *warnings]
        job.records_pending = False
        session.add(job)


def record_items(journal: Journal, job_id: str, items: Iterable[NewItem], state: str) -> None:
    """Record what a job made, in `state` (local, or failed). The language APIs share records by
    content (every run of `python3 model.py` uses one storage location for its script), so a job
    may find records other jobs made: one committed, pushed or pulled stays so (a later job
    using it takes nothing back), and a failed job does not take one another job made whole (it
    is not made incomplete by a failed job that used it too)."""
    with journal.session() as session:
        for new in items:
            known = session.get(Item, new.path)
            if known is not None and known.state in SETTLED:
                continue
            if state == ITEM_FAILED and known is not None and known.state != ITEM_FAILED:
                continue
            item = known or Item(path=new.path, type=new.type, state=state)
            item.job_id = job_id
            item.state = state
            item.uuid = new.uuid or item.uuid
            item.label = new.label or item.label
            session.add(item)


def job_items(journal: Journal, job_id: str) -> list[Item]:
    with journal.session() as session:
        query = select(Item).where(Item.job_id == job_id).order_by(col(Item.path))
        return list(session.exec(query).all())


def recent_jobs(journal: Journal, limit: int = 20) -> list[Job]:
    with journal.session() as session:
        query = select(Job).order_by(col(Job.id).desc()).limit(limit)
        return list(session.exec(query).all())


def interrupt_orphaned_jobs(
    journal: Journal, live_operations: Iterable[int], keep: Callable[[Job], bool] = lambda _: False
) -> list[Job]:
    """Jobs still `running` whose operation is not running in this fdpd (an earlier fdpd
    stopped or crashed during them) are recorded as interrupted, but for those `keep` says run
    on (a cluster's, to adopt); returns them."""
    live = set(live_operations)
    with journal.session() as session:
        stale = [
            job
            for job in session.exec(select(Job).where(Job.state == JOB_RUNNING)).all()
            if job.operation_id not in live and not keep(job)
        ]
        for job in stale:
            job.state = JOB_INTERRUPTED
            job.ended = job.ended or utc_now()
            session.add(job)
        return stale


def job_output(journal: Journal, job: Job, output_level: str) -> list[str]:
    """The lines the job's script printed (its operation's `log` events of `output_level`)."""
    if job.operation_id is None:
        return []
    return [
        str(event.get("message", ""))
        for event in journal.operation_events(job.operation_id)
        if event.get("type") == "log" and event.get("level") == output_level
    ]


def running_jobs(journal: Journal) -> list[Job]:
    with journal.session() as session:
        query = select(Job).where(Job.state == JOB_RUNNING).order_by(col(Job.id))
        return list(session.exec(query).all())


def move_job(journal: Journal, job_id: str, operation_id: int) -> None:
    """The job is followed by operation `operation_id` now (an fdpd adopted it)."""
    with journal.session() as session:
        job = session.get(Job, job_id)
        if job is not None:
            job.operation_id = operation_id
            session.add(job)
