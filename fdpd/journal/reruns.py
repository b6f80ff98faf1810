"""The journal's reruns (`fdpctl rerun`): which job ran which code run again, and the verdict.

A rerun's job is an ordinary job row; this table says it is of kind `rerun`, names the code run
it reproduces and keeps what the comparison found (`log` lists them, `info` shows the last)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel, col, select

from fdpd.journal.database import Journal, utc_now


class Rerun(SQLModel, table=True):
    """One `fdpctl rerun`: its job, the code run (uuid) it ran again, and what came out."""

    __tablename__ = "rerun"

    job_id: str = Field(primary_key=True)
    code_run: str  # the uuid of the code run run again
    given: str  # what the user named (uuid prefix, job id, ns:name@version)
    username: str
    started: str  # ISO 8601, UTC
    ended: str | None = None
    verdict: str  # running, identical, differs, failed
    identical: int = 0
    outputs: int = 0
    kept: bool = False
    new_code_run: str | None = None  # the rerun's own code run (kept only with --keep)


def add_rerun(journal: Journal, job_id: str, code_run: str, given: str, username: str) -> None:
    with journal.session() as session:
        session.add(
            Rerun(
                job_id=job_id,
                code_run=code_run,
                given=given,
                username=username,
                started=utc_now(),
                verdict="running",
            )
        )


def finish_rerun(
    journal: Journal,
    job_id: str,
    verdict: str,
    *,
    identical: int,
    outputs: int,
    kept: bool,
    new_code_run: str | None,
) -> str | None:
    """Record the verdict; when the rerun ended (None: no such rerun)."""
    with journal.session() as session:
        row = session.get(Rerun, job_id)
        if row is None:
            return None
        ended = utc_now()
        row.verdict, row.identical, row.outputs = verdict, identical, outputs
        row.kept, row.new_code_run, row.ended = kept, new_code_run, ended
        session.add(row)
        return ended


def recent_reruns(journal: Journal, limit: int) -> list[Rerun]:
    with journal.session() as session:
        query = select(Rerun).order_by(col(Rerun.started).desc()).limit(limit)
        return list(session.exec(query).all())


def last_rerun(journal: Journal, code_run: str) -> Rerun | None:
    """The most recent finished rerun of the code run with this uuid."""
    with journal.session() as session:
        query = (
            select(Rerun)
            .where(Rerun.code_run == code_run, col(Rerun.ended).is_not(None))
            .order_by(col(Rerun.ended).desc())
        )
        return session.exec(query).first()
