"""Sync states of items in the journal: commit, uncommit, the end of a push, and counts.

    local ──commit──> committed ──push──> pushed        (failed ──commit --force──> committed)

Only these transitions are made here; `pulled` and `pushed` items are never taken back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.wire import ItemState
from fdpd.journal import Journal
from fdpd.journal.database import utc_now
from fdpd.journal.models import (
    ITEM_COMMITTED,
    ITEM_FAILED,
    ITEM_LOCAL,
    ITEM_PUSHED,
    JOB_CANCELLED,
    JOB_FAILED,
    ROOT_TYPES,
    STATES,
    UNFINISHED_JOBS,
    Item,
    Job,
)
from fdpd.shared.targets import Root

_CHUNK = 500  # paths per IN (...): under SQLite's bound-parameter limit


@dataclass
class Transition:
    """What a commit or uncommit did to one root and its closure."""

    root: Root
    before: ItemState  # the root's state before
    after: ItemState
    changed: int = 0  # closure records whose state changed (root included)
    note: str = ""
    items_changed: int = 0  # of those, code runs and data products: what users count


@dataclass
class StateCounts:
    by_state: dict[str, dict[str, int]] = field(default_factory=dict)  # state → type → count
    failed_jobs: int = 0
    last_sync: str | None = None


def item_type(path: str) -> str:
    return path.rstrip("/").split("/")[-2]


def commit(
    journal: Journal,
    root: Root,
    closure: Mapping[str, str],
    *,
    force: bool,
    labels: Mapping[str, str] | None = None,
) -> Transition:
    """Mark the root and its closure committed (records already pushed or pulled stay so); the
    root is remembered as named by the user (a commit root). `labels` name items the journal
    has no name for yet."""
    with journal.session() as session:
        items = _items(session, closure)
        failed = [
            items[path] for path in _root_first(root, items) if items[path].state == ITEM_FAILED
        ]
        if failed and not force:
            raise _failed_refusal(session, root, failed[0])
        before = ItemState(items[root.path].state) if root.path in items else ITEM_LOCAL
        changed = items_changed = 0
        for path, kind in closure.items():
            item = items.get(path) or Item(path=path, type=kind, state=ITEM_LOCAL)
            if path == root.path:
                item.uuid = item.uuid or root.uuid
            if item.state in (ITEM_LOCAL, ITEM_FAILED):
                item.state = ITEM_COMMITTED
                changed += 1
                items_changed += kind in ROOT_TYPES
            if path == root.path and item.state == ITEM_COMMITTED:
                item.commit_root = True
            item.label = item.label or (labels or {}).get(path)
            session.add(item)
        after = ItemState(items[root.path].state) if root.path in items else ITEM_COMMITTED
    note = "" if before in (ITEM_LOCAL, ITEM_FAILED) else f"already {before}"
    return Transition(root, before, after, changed, note, items_changed)


def uncommit(
    journal: Journal,
    root: Root,
    closure: Mapping[str, str],
    keep: Collection[str],
    needed_by: str | None = None,
) -> Transition:
    """Take the root and its committed closure back, except records in `keep` (the closure of
    other committed roots). Records of a failed job go back to failed, others to local.

    A root that another committed item needs (`needed_by`, its label) stays committed: if the
    user named it in a commit it stops being a commit root, and goes when that item does."""
    with journal.session() as session:
        items = _items(session, closure)
        root_item = items.get(root.path)
        before = ItemState(root_item.state) if root_item else ITEM_LOCAL
        if root_item is None or before != ITEM_COMMITTED:
            return Transition(root, before, before, 0, f"not committed ({before})")
        if needed_by is not None:
            note = f"still committed: {needed_by} needs it (uncommit that to take both back)"
            if not root_item.commit_root:
                note = f"committed as part of {needed_by}; uncommit that instead"
            root_item.commit_root = False
            session.add(root_item)
            return Transition(root, before, before, 0, note)
        failed_jobs = _failed_job_ids(session, items.values())
        changed = items_changed = 0
        for path, item in items.items():
            if item.state != ITEM_COMMITTED or (path in keep and path != root.path):
                continue
            item.state = ITEM_FAILED if item.job_id in failed_jobs else ITEM_LOCAL
            item.commit_root = False
            session.add(item)
            changed += 1
            items_changed += item.type in ROOT_TYPES
        after = ItemState(items[root.path].state)
    return Transition(root, before, after, changed, items_changed=items_changed)


def committed_roots(journal: Journal, *, named_only: bool = False) -> list[Item]:
    """Committed code runs and data products: what `push` sends (named_only: those the user
    named in `commit`, not those only in another item's closure)."""
    with journal.session() as session:
        query = (
            select(Item)
            .where(Item.state == ITEM_COMMITTED, col(Item.type).in_(ROOT_TYPES))
            .order_by(col(Item.type), col(Item.path))
        )
        if named_only:
            query = query.where(col(Item.commit_root).is_(True))
        return list(session.exec(query).all())


def finish_push(journal: Journal, remote: str, unfinished_roots: Collection[str]) -> int:
    """After a push to `remote`: committed records now known on it become pushed.

    The ledger links each record as it is created and marks fully pushed roots; a root whose
    closure is not complete stays committed (with what was created linked), so the next push
    resumes it. One UPDATE: a push of thousands of records settles in milliseconds."""
    now = utc_now()
    with journal.session() as session:
        query = select(Item.path).where(
            Item.state == ITEM_COMMITTED, Item.remote == remote, col(Item.remote_url).is_not(None)
        )
        paths = [path for path in session.exec(query).all() if path not in unfinished_roots]
        for start in range(0, len(paths), _CHUNK):
            session.execute(
                update(Item)
                .where(col(Item.path).in_(paths[start : start + _CHUNK]))
                .values(state=ITEM_PUSHED, synced=func.coalesce(Item.synced, now))
            )
    return len(paths)


def state_counts(journal: Journal) -> StateCounts:
    """Counts by state and type, failed jobs and the last sync: the journal only."""
    counts = StateCounts(by_state={state: {} for state in STATES})
    with journal.session() as session:
        rows = session.exec(
            select(Item.state, Item.type, func.count()).group_by(Item.state, Item.type)
        ).all()
        for state, kind, number in rows:
            counts.by_state.setdefault(state, {})[kind] = int(number)
        counts.failed_jobs = int(
            session.exec(select(func.count()).select_from(Job).where(Job.state == JOB_FAILED)).one()
        )
        counts.last_sync = session.exec(select(func.max(Item.synced))).one()
    return counts


def _items(session: Session, paths: Iterable[str]) -> dict[str, Item]:
    wanted = list(paths)
    found: dict[str, Item] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for item in session.exec(select(Item).where(col(Item.path).in_(chunk))).all():
            found[item.path] = item
    return found


def _root_first(root: Root, items: Mapping[str, Item]) -> list[str]:
    return sorted(items, key=lambda path: (path != root.path, path))


def _failed_job_ids(session: Session, items: Iterable[Item]) -> set[str]:
    job_ids = {item.job_id for item in items if item.job_id}
    if not job_ids:
        return set()
    query = select(Job.id).where(col(Job.id).in_(job_ids), col(Job.state).in_(UNFINISHED_JOBS))
    return set(session.exec(query).all())


def _failed_refusal(session: Session, root: Root, failed: Item) -> FdpError:
    job = session.get(Job, failed.job_id) if failed.job_id else None
    what = root.label if failed.path == root.path else f"{root.label} uses {failed.path}, which"
    how = f"job {job.id}, which {_ended(job)}" if job else "a failed job"
    return FdpError(
        f"{what} was made by {how}; a failed run's records may be incomplete",
        hint="commit it anyway with --force",
        code=ErrorCode.FAILED_ITEM,
    )


def _ended(job: Job) -> str:
    if job.state == JOB_CANCELLED:
        return "was cancelled"
    return f"failed (exit status {job.exit_status})"
