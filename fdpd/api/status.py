"""`/v1/status`: sync state counts from the journal alone, or one item in detail."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query

from fdpd.api.commit import TargetBody
from fdpd.api.deps import Context
from fdpd.base.errors import FdpError
from fdpd.base.wire import ArraySummary, ItemCount, ItemStatus, Status, UpdatesSummary
from fdpd.core.context import DaemonContext
from fdpd.features.push import describe_target, state_counts
from fdpd.features.push.counting import local_count
from fdpd.features.push.listing import list_items
from fdpd.features.run.bookkeeping import finish_pending_bookkeeping
from fdpd.features.updates.checks import updates_summary
from fdpd.journal.models import ITEM_LOCAL, ROOT_TYPES
from fdpd.journal.queries import recent_arrays
from fdpd.remote.user_remotes import load_remotes

router = APIRouter(tags=["sync"])


@router.get("/status")
async def get_status(
    ctx: Context,
    limit: Annotated[int, Query(ge=0, le=1_000_000, description="names per state; 0: all")] = 10,
) -> Status:
    """Records by state and type (`items`), item counts per state (`counts`: code runs and data
    products, with the registry records they hold), the first `limit` items of each state by
    name (`names`), failed jobs that left records, last sync, updates found by the latest
    checks. Only an item the journal has no name for yet is looked up in the local registry
    (and the registry is read first if a job's bookkeeping is pending)."""
    await finish_pending_bookkeeping(ctx)
    counts = state_counts(ctx.journal)
    listed = await list_items(ctx, limit or None)
    by_state = {state: _count(types) for state, types in counts.by_state.items()}
    by_state[ITEM_LOCAL]["items"] += listed["registered"]  # not records: the journal has none
    if by_state[ITEM_LOCAL]["items"]:
        with suppress(FdpError):  # no registry: the journal's own figure
            # as `run` and `commit` count: the local items' closures (fdpd.features.push.counting)
            by_state[ITEM_LOCAL] = await local_count(ctx)
    return {
        "items": counts.by_state,
        "counts": by_state,
        **listed,
        "limit": limit or None,
        "failed_jobs": counts.failed_jobs,
        "last_sync": counts.last_sync,
        "updates": _updates(ctx),
        "arrays": _arrays(ctx),
    }


ARRAYS_SHOWN = 5


def _arrays(ctx: DaemonContext) -> list[ArraySummary]:
    """The latest array sweeps; a task SLURM has not started yet (no `slurm/started` in its
    job folder) counts as queued."""
    summaries: list[ArraySummary] = []
    for operation, jobs in recent_arrays(ctx.journal, ARRAYS_SHOWN):
        counts: dict[str, int] = {}
        for job in jobs:
            state = str(job.state)
            if state == "running" and not (Path(job.folder) / "slurm" / "started").exists():
                state = "queued"
            counts[state] = counts.get(state, 0) + 1
        summaries.append(
            {
                "array": f"array-{operation.id}",
                "config": str(operation.arguments.get("config", "")),
                "tasks": len(jobs),
                "counts": counts,
            }
        )
    return summaries


def _count(types: dict[str, int]) -> ItemCount:
    """Items (code runs and data products: what users count) and all the registry records."""
    items = sum(number for kind, number in types.items() if kind in ROOT_TYPES)
    return {"items": items, "records": sum(types.values())}


def _updates(ctx: DaemonContext) -> UpdatesSummary | None:
    """What the latest update checks found (journal and remotes.yaml only)."""
    try:
        remotes = sorted(load_remotes(ctx.locations))
    except FdpError:
        return None  # remotes.yaml is broken; `fdpctl remote list` says how
    return updates_summary(ctx.journal, remotes)


@router.post("/status/item")
async def item_status(ctx: Context, body: TargetBody) -> ItemStatus:
    """State, remote URL, last sync, file location and hash of what TOKEN|PATH names."""
    return await describe_target(ctx, token=body.token, path=body.path)
