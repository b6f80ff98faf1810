"""`/v1/names`: what shell completion offers (`fdpctl __complete`), from the journal and
remotes.yaml alone, so a TAB never waits for a registry."""

from __future__ import annotations

from fastapi import APIRouter

from fdpd.api.deps import Context
from fdpd.base.errors import FdpError
from fdpd.base.wire import Names
from fdpd.journal.queries import newest_job_ids, product_labels
from fdpd.remote.user_remotes import load_remotes
from fdpd.shared.fdp_users import list_users

router = APIRouter(tags=["completion"])

JOBS_OFFERED = 200  # the newest ones: older jobs are typed by prefix anyway


@router.get("/names")
async def names(ctx: Context) -> Names:
    """Data product names (`ns:name@version`), job ids (newest first), remote and user names."""
    try:
        remotes = sorted(load_remotes(ctx.locations))
    except FdpError:
        remotes = []  # a broken remotes.yaml: `fdpctl remote list` says why
    return {
        "items": product_labels(ctx.journal),
        "jobs": newest_job_ids(ctx.journal, JOBS_OFFERED),
        "remotes": remotes,
        "users": [user.username for user in list_users(ctx.journal)],
    }
