"""The journal's queries of jobs and items that several features ask (one home, one session
each)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import col, select

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, NotFound
from fdpd.journal.database import Journal
from fdpd.journal.models import (
    ITEM_FAILED,
    ITEM_PULLED,
    JOB_RUNNING,
    ROOT_TYPES,
    STATES,
    UNFINISHED_JOBS,
    Item,
    Job,
    Operation,
    PullRecord,
    Removal,
)


@dataclass(frozen=True)
class Listing:
    by_state: dict[str, list[Item]]  # the items shown, at most `limit` per state
    unfinished_jobs: list[tuple[Job, int]]  # failed or cancelled jobs, and their items left


def get_item(journal: Journal, path: str) -> Item | None:
    with journal.session() as session:
        return session.get(Item, path)


def get_job(journal: Journal, job_id: str | None) -> Job | None:
    if job_id is None:
        return None
    with journal.session() as session:
        return session.get(Job, job_id)


def find_job(journal: Journal, id_or_prefix: str) -> Job:
    """The job with this id, or the only one whose id starts with it."""
    with journal.session() as session:
        exact = session.get(Job, id_or_prefix)
        if exact is not None:
            return exact
        query = select(Job).where(col(Job.id).startswith(id_or_prefix, autoescape=True)).limit(3)
        matches = list(session.exec(query).all())
    if not matches:
        raise NotFound(
            f"no job {id_or_prefix} in the journal", hint="`fdpctl log` lists recent jobs"
        )
    if len(matches) > 1:
        raise FdpError(
            f"{id_or_prefix} names more than one job ({', '.join(j.id for j in matches)}, ...)",
            hint="give more of the job id",
            code=ErrorCode.AMBIGUOUS_JOB,
        )
    return matches[0]


def job_of_operation(journal: Journal, operation_id: int) -> Job | None:
    """The job a `run` operation ran, if it got that far."""
    with journal.session() as session:
        return session.exec(select(Job).where(Job.operation_id == operation_id)).first()


def tracked_items(journal: Journal) -> dict[str, Item]:
    with journal.session() as session:
        return {item.path: item for item in session.exec(select(Item)).all()}


def running_jobs(journal: Journal) -> list[str]:
    with journal.session() as session:
        return list(session.exec(select(Job.id).where(Job.state == JOB_RUNNING)).all())


def product_labels(journal: Journal) -> list[str]:
    """Every data product name (`ns:name@version`) the journal knows, sorted."""
    with journal.session() as session:
        products = select(Item.label).where(
            Item.type == "data_product", col(Item.label).is_not(None), Item.label != ""
        )
        return sorted({str(label) for label in session.exec(products).all()})


def newest_job_ids(journal: Journal, limit: int) -> list[str]:
    with journal.session() as session:
        return list(session.exec(select(Job.id).order_by(col(Job.id).desc()).limit(limit)).all())


def pulled_items(journal: Journal, remote: str | None) -> dict[str, list[str]]:
    """Local paths of the data products pulled from each remote (one remote if named)."""
    query = select(Item).where(Item.state == ITEM_PULLED, Item.type == "data_product")
    if remote is not None:
        query = query.where(Item.remote == remote)
    by_remote: dict[str, list[str]] = defaultdict(list)
    with journal.session() as session:
        for item in session.exec(query.order_by(col(Item.path))).all():
            if item.remote:
                by_remote[item.remote].append(item.path)
    return dict(by_remote)


def jobs_with_prefix(journal: Journal, prefix: str) -> list[Job]:
    """Every job whose id starts with `prefix`."""
    with journal.session() as session:
        query = select(Job).where(col(Job.id).startswith(prefix, autoescape=True))
        return list(session.exec(query).all())


def jobs_of_operation(journal: Journal, operation_id: int) -> list[Job]:
    """The jobs one operation ran (the tasks of an array sweep), oldest first."""
    with journal.session() as session:
        query = select(Job).where(Job.operation_id == operation_id).order_by(col(Job.id))
        return list(session.exec(query).all())


def recent_arrays(journal: Journal, limit: int) -> list[tuple[Operation, list[Job]]]:
    """The latest `limit` array sweeps (`run --array`: one operation, a job per task), newest
    first, with their tasks' jobs."""
    with journal.session() as session:
        query = select(Operation).where(Operation.verb == "run").order_by(col(Operation.id).desc())
        arrays: list[Operation] = []
        for operation in session.exec(query.limit(limit * 20)).all():
            if operation.arguments.get("array") and len(arrays) < limit:
                arrays.append(operation)
    return [(operation, jobs_of_operation(journal, operation.id or 0)) for operation in arrays]


def items_by_state(journal: Journal, limit: int | None) -> Listing:
    """The code runs and data products of each state (the first `limit`; all if None), newest
    job first, and the failed or cancelled jobs with the items they left."""
    with journal.session() as session:
        by_state: dict[str, list[Item]] = {}
        for state in STATES:
            query = (
                select(Item)
                .where(Item.state == state, col(Item.type).in_(ROOT_TYPES))
                .order_by(
                    col(Item.job_id).desc().nulls_last(),
                    col(Item.synced).desc().nulls_last(),
                    col(Item.type),
                    col(Item.path),
                )
                .limit(limit if limit is not None else -1)
            )
            by_state[state] = list(session.exec(query).all())
        left = (
            select(Job, func.count(col(Item.path)))
            .join(Item, col(Item.job_id) == col(Job.id))
            .where(
                col(Job.state).in_(UNFINISHED_JOBS),
                Item.state == ITEM_FAILED,
                col(Item.type).in_(ROOT_TYPES),
            )
            .group_by(col(Job.id))
            .order_by(col(Job.id).desc())
        )
        unfinished = [(job, int(count)) for job, count in session.exec(left).all()]
    return Listing(by_state, unfinished)


def registered_products(journal: Journal) -> list[PullRecord]:
    """The data products `register:` items made (the latest pull of each, newest first) that
    no job, commit or sync has made an item of and no delete or gc removed since: local items
    the item table does not hold yet."""
    with journal.session() as session:
        tracked = select(Item.path).where(col(Item.path) == col(PullRecord.data_product))
        removed = select(Removal.path).where(
            col(Removal.path) == col(PullRecord.data_product),
            col(Removal.removed) >= col(PullRecord.pulled),
        )
        query = (
            select(PullRecord)
            .where(~tracked.exists(), ~removed.exists())
            .order_by(col(PullRecord.pulled).desc(), col(PullRecord.data_product))
        )
        rows = session.exec(query).all()
    newest: dict[str, PullRecord] = {}
    for row in rows:
        newest.setdefault(row.data_product, row)
    return list(newest.values())


def remember_labels(journal: Journal, items: list[Item]) -> None:
    """Keep the names (and uuids) looked up for `items`."""
    with journal.session() as session:
        for item in items:
            session.execute(
                update(Item)
                .where(col(Item.path) == item.path)
                .values(label=item.label, uuid=item.uuid)
            )
