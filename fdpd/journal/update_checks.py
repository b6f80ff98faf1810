"""The journal's record of update checks: when each check of a remote ran, what it found, and
when scheduled checks of a remote began."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from fdpd.journal.database import Journal, utc_now
from fdpd.journal.models import (
    CHECK_FAILED,
    CHECK_RUNNING,
    CHECK_SUCCEEDED,
    UpdateCheck,
    UpdateSchedule,
)


@dataclass(frozen=True)
class Findings:
    """What one check saw: products compared, updates still available, updates pulled."""

    checked: int
    available: list[str]
    pulled: list[str]


def start_check(journal: Journal, remote: str, trigger: str, operation_id: int | None) -> int:
    with journal.session() as session:
        check = UpdateCheck(
            remote=remote, trigger=trigger, operation_id=operation_id, started=utc_now()
        )
        session.add(check)
        session.flush()
        assert check.id is not None
        return check.id


def finish_check(
    journal: Journal, check_id: int, *, findings: Findings | None = None, error: str | None = None
) -> UpdateCheck:
    with journal.session() as session:
        check = session.get(UpdateCheck, check_id)
        assert check is not None
        check.finished = utc_now()
        check.outcome = CHECK_FAILED if findings is None else CHECK_SUCCEEDED
        check.error = error
        if findings is not None:
            check.checked = findings.checked
            check.available = findings.available
            check.pulled = findings.pulled
        session.add(check)
        return check


def last_check(journal: Journal, remote: str, *, succeeded: bool = False) -> UpdateCheck | None:
    """The latest finished check of `remote` (only successful ones if `succeeded`)."""
    query = select(UpdateCheck).where(
        UpdateCheck.remote == remote, UpdateCheck.outcome != CHECK_RUNNING
    )
    if succeeded:
        query = query.where(UpdateCheck.outcome == CHECK_SUCCEEDED)
    with journal.session() as session:
        return session.exec(query.order_by(col(UpdateCheck.id).desc()).limit(1)).first()


def last_started(journal: Journal, remote: str) -> datetime | None:
    """When the latest check of `remote` began, whatever became of it."""
    with journal.session() as session:
        query = select(func.max(UpdateCheck.started)).where(UpdateCheck.remote == remote)
        started = session.exec(query).one()
    return datetime.fromisoformat(started) if started else None


def schedule_since(journal: Journal, remote: str) -> datetime:
    """When scheduled checks of `remote` began (now, the first time it is asked)."""
    with journal.session() as session:
        row = session.get(UpdateSchedule, remote)
        if row is None:
            row = UpdateSchedule(remote=remote, since=utc_now())
            session.add(row)
        return datetime.fromisoformat(row.since)
