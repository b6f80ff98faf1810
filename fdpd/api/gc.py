"""`/v1/gc`: remove what a remote holds and nothing unsynced needs; NDJSON progress, then what
was removed (records by kind, files, bytes freed) and what was kept and why."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from fdpd.api.deps import Context
from fdpd.api.operations import STREAM_RESPONSES
from fdpd.api.streaming import stream_operation
from fdpd.base.wire import Removal
from fdpd.core.operations import Emitter
from fdpd.features.gc import collect_garbage
from fdpd.features.gc.plan import refuse_unless_own_registry
from fdpd.local_registry.lifecycle import registry_supervisor

router = APIRouter(tags=["housekeeping"])


class GcBody(BaseModel):
    files: bool = Field(default=False, description="also delete their files from the data store")
    all: bool = Field(default=False, description="with files: restricted files too")
    dry_run: bool = Field(default=False, description="report what would go; remove nothing")
    remote: str | None = Field(default=None, description="only what is synced with this remote")


@router.post("/gc", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def post_gc(ctx: Context, body: GcBody) -> StreamingResponse:
    """Every remote involved is asked first; if one cannot be reached nothing is removed.
    Refused (409) before any operation starts when the local registry is not fdp's own."""
    refuse_unless_own_registry(registry_supervisor(ctx), "gc")

    async def work(emitter: Emitter) -> Removal:
        return await collect_garbage(
            ctx,
            files=body.files or body.all,
            all_files=body.all,
            dry_run=body.dry_run,
            remote_name=body.remote,
            emitter=emitter,
        )

    return await stream_operation(ctx, "gc", body.model_dump(), work)
