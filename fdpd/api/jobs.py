"""`/v1/working-config`, `/v1/run` and `/v1/jobs`: working configs, runs, and the job records."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from fdpd.api.deps import Context
from fdpd.api.operations import STREAM_RESPONSES, cancel_answer
from fdpd.api.streaming import stream_operation
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import Conflict, FdpError
from fdpd.base.wire import (
    ArrayResult,
    CancelOut,
    JobDetail,
    JobList,
    JobLog,
    RunDryRun,
    RunResult,
    WorkingConfigOut,
)
from fdpd.core.operations import Emitter
from fdpd.journal.jobs import job_items, job_output, recent_jobs
from fdpd.journal.queries import find_job
from fdpd.journal.views import item_view, job_view

if TYPE_CHECKING:
    from fdpd.features.run import ConfigSource

# The run machinery (the config generator, the registry client, httpx, the push counts) is
# imported by the routes that run or prepare a job, not by the ones that list jobs: `fdpctl log`
# on an fdpd it has just started answers without it.

router = APIRouter(tags=["jobs"])


class ConfigBody(BaseModel):
    """A user config: `config_path` (absolute, read by fdpd) or `config_text`."""

    config_path: str | None = None
    config_text: str | None = None
    config_name: str = Field(default="config.yaml", description="file name used in messages")
    config_dir: str | None = Field(
        default=None,
        description="folder the config belongs to (with config_text); default: the data store",
    )
    dirty: bool = False

    async def source(self, default_dir: Path) -> ConfigSource:
        from fdpd.features.run import ConfigSource

        if (self.config_path is None) == (self.config_text is None):
            raise FdpError(
                "give exactly one of config_path and config_text",
                code=ErrorCode.EXACTLY_ONE_OF,
            )
        if self.config_path is not None:
            return await ConfigSource.read(Path(self.config_path))
        folder = Path(self.config_dir) if self.config_dir else default_dir
        assert self.config_text is not None
        return ConfigSource(self.config_text, str(folder / self.config_name), folder)


class WorkingConfigBody(ConfigBody):
    create_job_folder: bool = Field(
        default=True, description="false: only generate (`fdpctl generate`); nothing is created"
    )


class RunBody(ConfigBody):
    dry_run: bool = False
    environment: dict[str, str] = Field(
        default_factory=dict, description="the environment the script gets (fdpctl sends its own)"
    )
    scheduler: str | None = Field(
        default=None, description="where the job runs: local or slurm; default: fdpd's setting"
    )
    sbatch: list[str] = Field(
        default_factory=list, description="more sbatch options (with the slurm scheduler)"
    )
    array: str | None = Field(
        default=None, description="an array sweep (slurm): task indexes as sbatch --array takes"
    )


@router.post("/working-config")
async def post_working_config(ctx: Context, body: WorkingConfigBody) -> WorkingConfigOut:
    """The working config for a user config, generated from the local registry only; by
    default also a job folder holding it and the script, ready for a language API to run."""
    from fdpd.features.run import working_config

    source = await body.source(_data_store(ctx))
    return await working_config(ctx, source, dirty=body.dirty, create_folder=body.create_job_folder)


@router.post("/run", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def post_run(ctx: Context, body: RunBody) -> StreamingResponse:
    """Run a job; NDJSON events: the script's output as `log` events (level `output`),
    warnings, then a result with the job id, state and exit status."""
    from fdpd.features.push.counting import job_count
    from fdpd.features.run import RunRequest, run_job
    from fdpd.features.run.executors import SlurmExecutor, array_request, executor_for
    from fdpd.features.run.executors.array import run_array

    executor = executor_for(
        body.scheduler, ctx.settings, sbatch=body.sbatch, environment=body.environment
    )
    request = RunRequest(
        await body.source(_data_store(ctx)), body.dirty, body.dry_run, body.environment, executor
    )
    arguments = {"config": request.source.name, "dirty": body.dirty, "dry_run": body.dry_run}
    if executor.name != "local":
        arguments["scheduler"] = executor.name
    spec = array_request(body.array, executor, body.dry_run)
    if spec is not None:
        arguments["array"] = spec.text

    async def work(emitter: Emitter) -> RunResult | RunDryRun | ArrayResult:
        await executor.check()  # before anything is prepared or submitted
        if spec is not None:
            assert isinstance(executor, SlurmExecutor)
            return await run_array(ctx, request, spec, executor, emitter)
        result = await run_job(ctx, request, emitter)
        if "code_runs" in result and result["ok"] and result["code_runs"]:
            # one count everywhere: what `commit JOB` takes and `push` sends
            with suppress(FdpError):  # the registry went away: the job's own records then
                result.update(await job_count(ctx, result["job"]))  # type: ignore[typeddict-item]
        return result

    return await stream_operation(ctx, "run", arguments, work, cancellable=True)


@router.get("/jobs")
async def list_jobs(ctx: Context, limit: Annotated[int, Query(ge=1, le=1000)] = 20) -> JobList:
    """The most recent jobs, newest first."""
    return {"jobs": [job_view(job) for job in recent_jobs(ctx.journal, limit)]}


@router.get("/jobs/{job}")
async def show_job(ctx: Context, job: str) -> JobDetail:
    """One job (id or unique prefix): record, working config, inputs and the items it made."""
    found = find_job(ctx.journal, job)
    return {
        **job_view(found),
        "argv": found.argv,
        "cwd": found.cwd,
        "working_config": found.working_config,
        "record": found.record,
        "inputs": found.inputs,
        "warnings": found.warnings,
        "items": [item_view(item) for item in job_items(ctx.journal, found.id)],
    }


@router.post("/jobs/{job}/cancel", status_code=202)
async def cancel_job(ctx: Context, job: str) -> CancelOut:
    """Cancel the `run` operation of a job (id or unique prefix); see
    `POST /v1/operations/{operation_id}/cancel`."""
    found = find_job(ctx.journal, job)
    if found.operation_id is None:
        raise Conflict(
            f"job {found.id} was prepared for a language API (POST /v1/working-config): fdpd "
            "does not run it, so it cannot stop it",
            hint="stop the program that runs it",
            code=ErrorCode.NOT_CANCELLABLE,
        )
    return cancel_answer(ctx, found.operation_id)


@router.get("/jobs/{job}/log")
async def job_log(ctx: Context, job: str) -> JobLog:
    """What the job's script printed, line by line, and fdp's warnings about the job."""
    from fdpd.features.run import OUTPUT_LEVEL

    found = find_job(ctx.journal, job)
    lines = job_output(ctx.journal, found, OUTPUT_LEVEL)
    return {**job_view(found), "lines": lines, "warnings": found.warnings}


def _data_store(ctx: Context) -> Path:
    from fdpd.shared.fdp_users import active_user

    return Path(active_user(ctx.journal).data_store)
