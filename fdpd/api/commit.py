"""`/v1/commit` and `/v1/uncommit`: mark what TOKEN|PATH names (and its closure) for push."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fdpd.api.deps import Context
from fdpd.base.wire import Committed
from fdpd.features.push import commit_target, uncommit_target
from fdpd.features.run.bookkeeping import finish_pending_bookkeeping

router = APIRouter(tags=["sync"])


class TargetBody(BaseModel):
    """Exactly one of `token` (uuid or job id prefix, ns:name@version) and `path` (absolute)."""

    token: str | None = None
    path: str | None = Field(default=None, description="a file, found by its SHA-1")


class CommitBody(TargetBody):
    force: bool = Field(default=False, description="commit records of a failed job too")
    dry_run: bool = Field(default=False, description="say what would be committed; change nothing")


@router.post("/commit")
async def post_commit(ctx: Context, body: CommitBody) -> Committed:
    """Record the item and its provenance closure as committed in the journal (after the
    bookkeeping of jobs that is pending, so their items are there to commit)."""
    await finish_pending_bookkeeping(ctx)
    return await commit_target(
        ctx, token=body.token, path=body.path, force=body.force, dry_run=body.dry_run
    )


@router.post("/uncommit")
async def post_uncommit(ctx: Context, body: TargetBody) -> Committed:
    """Take a committed item back to local (records other committed items need stay)."""
    return await uncommit_target(ctx, token=body.token, path=body.path)
