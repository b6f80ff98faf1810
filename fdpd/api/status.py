"""`/v1/status`: sync state counts from the journal alone, or one item in detail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fdpd.api.commit import TargetBody
from fdpd.api.deps import Context
from fdpd.core.context import DaemonContext
from fdpd.errors import FdpError
from fdpd.remotes import load_remotes
from fdpd.tracking import describe_target, state_counts
from fdpd.update_checks import updates_summary

router = APIRouter(tags=["sync"])


@router.get("/status")
async def get_status(ctx: Context) -> dict[str, Any]:
    """Items by state and type, failed jobs, last sync, updates found by the latest checks: no
    registry request is made."""
    counts = state_counts(ctx.journal)
    return {
        "items": counts.by_state,
        "failed_jobs": counts.failed_jobs,
        "last_sync": counts.last_sync,
        "updates": _updates(ctx),
    }


def _updates(ctx: DaemonContext) -> dict[str, Any] | None:
    """What the latest update checks found (journal and remotes.yaml only)."""
    try:
        remotes = sorted(load_remotes(ctx.locations))
    except FdpError:
        return None  # remotes.yaml is broken; `fdpctl remote list` says how
    return updates_summary(ctx.journal, remotes)


@router.post("/status/item")
async def item_status(ctx: Context, body: TargetBody) -> dict[str, Any]:
    """State, remote URL, last sync, file location and hash of what TOKEN|PATH names."""
    return await describe_target(ctx, token=body.token, path=body.path)
