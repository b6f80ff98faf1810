"""`/v1/rerun` and `/v1/reruns`: run a recorded code run again; the reruns the journal keeps."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from fdpd.api.deps import Context
from fdpd.api.operations import STREAM_RESPONSES
from fdpd.api.streaming import stream_operation
from fdpd.base.wire import RerunList, RerunResult
from fdpd.core.operations import Emitter
from fdpd.journal.reruns import last_rerun, recent_reruns
from fdpd.journal.views import rerun_view

router = APIRouter(tags=["jobs"])


class RerunBody(BaseModel):
    item: str = Field(description="a code run uuid (or prefix), a job id, or ns:name@version")
    keep: bool = Field(default=False, description="keep the rerun as a new code run")
    script_only: bool = Field(
        default=False, description="run the recorded script alone, without the code repository"
    )
    environment: dict[str, str] = Field(
        default_factory=dict, description="the environment the script gets (fdpctl sends its own)"
    )
    scheduler: str | None = Field(
        default=None, description="where the rerun's job runs: local or slurm; default: fdpd's"
    )
    sbatch: list[str] = Field(
        default_factory=list, description="more sbatch options (with the slurm scheduler)"
    )


@router.post("/rerun", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def post_rerun(ctx: Context, body: RerunBody) -> StreamingResponse:
    """Run a recorded code run again; NDJSON events: the script's output as `log` events (level
    `output`), then a result with the verdict and every output that differs."""
    # the rerun and run machinery only for a rerun: `fdpctl log` lists reruns without it
    from fdpd.features.rerun import RerunRequest, rerun
    from fdpd.features.run.executors import executor_for

    executor = executor_for(
        body.scheduler, ctx.settings, sbatch=body.sbatch, environment=body.environment
    )
    request = RerunRequest(body.item, body.keep, body.script_only, body.environment, executor)
    arguments: dict[str, Any] = {
        "item": body.item,
        "keep": body.keep,
        "script_only": body.script_only,
    }
    if executor.name != "local":
        arguments["scheduler"] = executor.name

    async def work(emitter: Emitter) -> RerunResult:
        await executor.check()  # before anything is gathered or submitted
        return await rerun(ctx, request, emitter)

    return await stream_operation(ctx, "rerun", arguments, work, cancellable=True)


@router.get("/reruns")
async def list_reruns(
    ctx: Context,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    code_run: Annotated[str | None, Query(description="the last rerun of this uuid")] = None,
) -> RerunList:
    """The most recent reruns, newest first; with `code_run`, that code run's last rerun."""
    if code_run is not None:
        found = last_rerun(ctx.journal, code_run)
        return {"reruns": [rerun_view(found)] if found else []}
    return {"reruns": [rerun_view(row) for row in recent_reruns(ctx.journal, limit)]}
