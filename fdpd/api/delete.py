"""`/v1/delete`: remove one code run, job, data product or file (TOKEN|PATH) with the records
only it used, from the local registry and the data store."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from fdpd.api.commit import TargetBody
from fdpd.api.deps import Context
from fdpd.base.wire import Deleted
from fdpd.features.gc import delete_target

router = APIRouter(tags=["housekeeping"])


class DeleteBody(TargetBody):
    force: bool = Field(default=False, description="delete even if it is not on any remote")
    dry_run: bool = Field(default=False, description="report what would go; remove nothing")


@router.post("/delete")
async def post_delete(ctx: Context, body: DeleteBody) -> Deleted:
    """Refused (409) while other items depend on it, or when unsynced without `force`."""
    return await delete_target(
        ctx, token=body.token, path=body.path, force=body.force, dry_run=body.dry_run
    )
