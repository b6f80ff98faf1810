"""One count of items and records for `run`, `commit`, `status` and `push`, so all four agree.

An *item* is a code run or a data product version; the *records* of some items are the registry
records `commit` would take for them (`commits.plan_commit`: their provenance closure, a data
product's producing run with it, local storage roots left out since a push never sends them) not
committed, pushed or pulled yet: the ones `commit` marks and `push`
then sends. `run` says this of its job, as `commit JOB` then does, so a code run that reads a
product `fdpctl pull` registered counts that product too (the commit takes it, the push sends it);
`status` says it of all local items; `push --dry-run` of the committed ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlmodel import col, select

from fdpd.base.wire import ItemCount
from fdpd.core.context import DaemonContext
from fdpd.features.push.commits import plan_commit
from fdpd.journal.database import Journal
from fdpd.journal.models import ITEM_FAILED, ITEM_LOCAL, ROOT_TYPES, Item
from fdpd.journal.queries import registered_products
from fdpd.remote.client import RegistryClient
from fdpd.shared.closure import local_registry
from fdpd.shared.targets import resolve_target


def uncommitted_count(journal: Journal, closure: Mapping[str, str]) -> ItemCount:
    """Items and records of `closure` (path → record type) that a commit would mark: those the
    journal has as local or failed, or not at all."""
    with journal.session() as session:
        settled = set(
            session.exec(
                select(Item.path).where(
                    col(Item.path).in_(list(closure)),
                    col(Item.state).not_in((ITEM_LOCAL, ITEM_FAILED)),
                )
            ).all()
        )
    left = {path: kind for path, kind in closure.items() if path not in settled}
    return {"items": sum(kind in ROOT_TYPES for kind in left.values()), "records": len(left)}


async def job_count(ctx: DaemonContext, job_id: str) -> ItemCount:
    """What `commit JOB` would take of job `job_id`: its items and records (module docstring)."""
    async with local_registry(ctx, "count") as local:
        target = await resolve_target(ctx.journal, local, token=job_id, path=None)
        return await _count(ctx, local, [root.path for root in target.roots])


async def local_count(ctx: DaemonContext) -> ItemCount:
    """What committing every local item would take: the local code runs and data products
    (jobs' and `register:`ed ones) with their closures, counted once."""
    roots = await asyncio.to_thread(_local_roots, ctx.journal)
    if not roots:
        return {"items": 0, "records": 0}
    async with local_registry(ctx, "count") as local:
        return await _count(ctx, local, roots)


async def _count(ctx: DaemonContext, local: RegistryClient, roots: list[str]) -> ItemCount:
    plan = await plan_commit(local, roots)
    closure = {path: kind for root in roots for path, kind in plan.closure(root).items()}
    return await asyncio.to_thread(uncommitted_count, ctx.journal, closure)


def _local_roots(journal: Journal) -> list[str]:
    with journal.session() as session:
        items = session.exec(
            select(Item.path).where(Item.state == ITEM_LOCAL, col(Item.type).in_(ROOT_TYPES))
        ).all()
    return [*items, *(row.data_product for row in registered_products(journal))]
