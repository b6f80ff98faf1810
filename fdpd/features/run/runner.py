"""`fdpctl run` inside fdpd: prepare the job, check the registry, run the script with the
registry held, then record the job, its code runs and their outputs (docs/language-api-contract.md).

A run that is cancelled before its script starts leaves nothing; one cancelled while its script
runs has its process group stopped, is recorded `cancelled`, and what the script registered is
recorded as a failed job's is (never pushed by accident; `gc` removes it)."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fdpd.base.cancellation import OperationCancelled, cancel_requested
from fdpd.base.errors import FdpError
from fdpd.base.fair_token import keep_fair_token
from fdpd.base.wire import RunDryRun, RunInput, RunResult, WorkingConfigOut
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.run.bookkeeping import JobToRecord, finish_pending_bookkeeping, record_job
from fdpd.features.run.checks import ReadInput, check_reads, check_registry_user, registry_key
from fdpd.features.run.environment import fdp_variables, job_environment
from fdpd.features.run.hints import OutputHints
from fdpd.features.run.launch import Executor, Launch, LocalExecutor
from fdpd.features.run.leftovers import remove_leftovers
from fdpd.features.run.output_reservations import output_folders, output_writes
from fdpd.features.run.process import STOP_GRACE, ScriptEnd
from fdpd.features.run.reconcile import Findings
from fdpd.features.run.redaction import Redactor
from fdpd.features.run.script_location import register_script_location, script_location_known
from fdpd.journal.database import utc_now
from fdpd.journal.jobs import NewItem, add_job, finish_job, record_items
from fdpd.journal.models import (
    ITEM_FAILED,
    JOB_CANCELLED,
    JOB_FAILED,
    JOB_INTERRUPTED,
    JOB_PREPARED,
    JOB_RUNNING,
    JOB_SUCCEEDED,
    FdpUser,
    Job,
)
from fdpd.local_registry.access import LocalRegistry, LocalRegistryService
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.remote.links import link_path
from fdpd.shared.fdp_users import active_user, read_user_token, usable_data_store
from fdpd.shared.job_preparation import ConfigSource, PreparedJob, prepare_job, sync_facts

log = logging.getLogger(__name__)

OUTPUT_LEVEL = "output"  # level of the `log` events that carry the script's output


@dataclass(frozen=True)
class RunRequest:
    source: ConfigSource
    dirty: bool = False
    dry_run: bool = False
    environment: dict[str, str] = field(default_factory=dict)  # the fdpctl invocation's
    executor: Executor = field(default_factory=LocalExecutor)  # where the script runs


async def working_config(
    ctx: DaemonContext, source: ConfigSource, *, dirty: bool, create_folder: bool
) -> WorkingConfigOut:
    """Generate a working config (holding the registry); with `create_folder`, also prepare
    the job folder for a language API to run in, and record the job as `prepared`."""
    user = active_user(ctx.journal)
    usable_data_store(user, ctx.locations)
    token = read_user_token(user) if create_folder else ""
    supervisor = registry_supervisor(ctx)
    async with supervisor.held("working-config"):
        job = await prepare_job(
            source,
            user,
            supervisor,
            dirty=dirty,
            create_folder=create_folder,
            sync=sync_facts(ctx.locations, ctx.journal),
            writing=ctx.services.reservations.in_progress(),
        )
        if create_folder:
            await _register_script(supervisor, job, token)
            await _keep_fair_token(ctx, token)
    if create_folder:
        add_job(ctx.journal, _job_row(job, source, JOB_PREPARED, None, {}, []))
    return {
        "job": job.job_id if create_folder else None,
        "job_folder": str(job.folder),
        "job_folder_created": create_folder,
        "config_path": str(job.folder / "config.yaml"),
        "script_path": str(job.generated.script.path),
        "working_config": job.working_config,
        "warnings": [w.render() for w in job.generated.warnings],
        "argv": list(job.generated.script.argv),
        "cwd": str(job.run_metadata["local_repo"]),
    }


async def run_job(
    ctx: DaemonContext, request: RunRequest, emitter: Emitter
) -> RunResult | RunDryRun:
    """The work of a `run` operation; its result says the job's state and exit status."""
    user = active_user(ctx.journal)
    usable_data_store(user, ctx.locations)
    token = read_user_token(user)
    if not request.dry_run:
        await finish_pending_bookkeeping(ctx)  # what earlier jobs made, before this one's
    supervisor = registry_supervisor(ctx)
    async with supervisor.held("run (preparing)"):
        job = await _prepare(ctx, request, user, supervisor)
        try:
            return await _checked_run(ctx, request, job, token, emitter)
        finally:
            if not request.dry_run:  # a dry run reserved nothing (and its id is no job's)
                ctx.services.reservations.release(job.job_id)


async def _checked_run(
    ctx: DaemonContext, request: RunRequest, job: PreparedJob, token: str, emitter: Emitter
) -> RunResult | RunDryRun:
    """Check the registry and inputs, then run the prepared job (or describe it: dry run)."""
    supervisor = registry_supervisor(ctx)
    for warning in job.generated.warnings:
        emitter.warning(warning.render())
    env = _environment(job, request.environment, token)
    registry = supervisor.requests()
    try:
        inputs, known = await _checks(registry, job, token, supervisor, request.dry_run)
        if request.dry_run:
            return _dry_run_result(job, env, inputs)
        _unless_cancelled(job)
        script = await _register_script(supervisor, job, token, known)
        await _keep_fair_token(ctx, token)
        async with supervisor.held(f"run {job.job_id}"):
            return await _execute(ctx, request, job, env, inputs, registry, emitter, script)
    finally:
        await registry.aclose()


async def _prepare(
    ctx: DaemonContext, request: RunRequest, user: FdpUser, registry: LocalRegistryService
) -> PreparedJob:
    """The job, its outputs reserved (not for a dry run). Jobs are prepared one at a time, so
    each sees the versions the jobs before it reserved."""
    reservations = ctx.services.reservations
    async with reservations.preparing:
        job = await prepare_job(
            request.source,
            user,
            registry,
            dirty=request.dry_run or request.dirty,
            create_folder=not request.dry_run,
            sync=sync_facts(ctx.locations, ctx.journal),
            writing=reservations.in_progress(),
        )
        if not request.dry_run:
            data = job.generated.data
            try:
                folders = output_folders(Path(user.data_store), data)
                reservations.reserve(job.job_id, output_writes(data), folders)
            except BaseException:
                job.discard_folder()
                raise
    return job


async def _end_writes(ctx: DaemonContext, job: StartedJob, registry: LocalRegistry) -> list[str]:
    """Release the job's outputs; where it was the last job writing a folder, remove what the
    jobs left there registered nowhere (notes for the job's warnings)."""
    reservations = ctx.services.reservations
    async with reservations.preparing:  # no job starts writing those folders meanwhile
        ended = reservations.release(job.job_id)
        admin_token = registry_supervisor(ctx).token
        return await remove_leftovers(registry, job.data_store, ended, admin_token)


def _environment(job: PreparedJob, base: dict[str, str], token: str) -> dict[str, str]:
    metadata = job.run_metadata
    return job_environment(
        base,
        job_folder=job.folder,
        token=token,
        script=job.generated.script.path,
        data_store=str(metadata["write_data_store"]),
        local_repo=str(metadata["local_repo"]),
    )


async def _checks(
    registry: LocalRegistry,
    job: PreparedJob,
    token: str,
    supervisor: LocalRegistryService,
    dry_run: bool,
) -> tuple[list[ReadInput], bool | None]:
    """The registry user and the inputs checked; and (not for a dry run, which registers
    nothing) whether the job's script is registered already, asked alongside them."""
    script = None if dry_run else asyncio.ensure_future(script_location_known(registry, job))
    try:
        own = supervisor.manages_database
        key = registry_key(supervisor)
        await check_registry_user(
            registry, job.user, token, supervisor.token, own_registry=own, key=key
        )
        inputs = await check_reads(registry, job.generated.data)
        return inputs, (await script if script is not None else None)
    except BaseException:
        if script is not None:
            script.cancel()
            script.add_done_callback(_retrieved)
        job.discard_folder()
        raise


def _retrieved(task: asyncio.Future[bool]) -> None:
    """Mark a look-up left behind by a failed check as seen (no "never retrieved" warning)."""
    if not task.cancelled():
        task.exception()


def _unless_cancelled(job: PreparedJob) -> None:
    """The last point where a cancel leaves nothing at all: no job folder, no record."""
    if cancel_requested():
        job.discard_folder()
        raise OperationCancelled("before the script started", "nothing ran, nothing was recorded")


async def _register_script(
    local: LocalRegistryService, job: PreparedJob, token: str, known: bool | None = None
) -> dict[str, Any] | None:
    """Register the job's script before it can run (see `script_location`); the storage
    location if this job created it. The job folder goes if that fails: nothing ran."""
    if known:
        return None
    registry = local.requests()
    try:
        return await register_script_location(registry, job, token, known=known)
    except BaseException:
        job.discard_folder()
        raise
    finally:
        await registry.aclose()


async def _keep_fair_token(ctx: DaemonContext, token: str) -> None:
    """R and Java model code falls back to ~/.fair/registry/token; a failure here only warns."""
    path = ctx.locations.fair_registry_token_path
    try:
        await asyncio.to_thread(keep_fair_token, path, token)
    except OSError as error:
        log.warning("could not keep %s in step: %s", path, error.strerror or error)


def _dry_run_result(job: PreparedJob, env: dict[str, str], inputs: list[ReadInput]) -> RunDryRun:
    return {
        "dry_run": True,
        "job_folder": str(job.folder),
        "job_folder_created": False,
        "working_config": job.working_config,
        "environment": fdp_variables(env),
        "argv": list(job.generated.script.argv),
        "cwd": str(job.run_metadata["local_repo"]),
        "inputs": [i.to_json() for i in inputs],
        "warnings": [w.render() for w in job.generated.warnings],
    }


async def _execute(
    ctx: DaemonContext,
    request: RunRequest,
    job: PreparedJob,
    env: dict[str, str],
    inputs: list[ReadInput],
    registry: LocalRegistry,
    emitter: Emitter,
    script_location: dict[str, Any] | None,
) -> RunResult:
    record = {**job.generated.job_record.to_json(), "environment": fdp_variables(env)}
    row = _job_row(job, request.source, JOB_RUNNING, emitter.operation_id, record, inputs)
    add_job(ctx.journal, row)
    redact = Redactor([env["FDP_LOCAL_TOKEN"]])
    hints = OutputHints()

    def on_line(line: str) -> None:
        hints.watch(line)
        emitter.log(redact(line), level=OUTPUT_LEVEL)

    try:
        end = await request.executor.run(
            Launch(job.job_id, job.folder, job.generated.script.argv, Path(row.cwd), env),
            on_line,
            lambda note, fields: emitter.progress(
                note, details={"job": job.job_id, **fields}, keep=True
            ),
        )
    except asyncio.CancelledError:
        if not request.executor.outlives_fdpd:
            finish_job(ctx.journal, job.job_id, JOB_INTERRUPTED)
        # else: the scheduler runs it on; the next fdpd adopts it
        # (fdpd.features.run.executors.adoption)
        raise
    except FdpError:
        finish_job(ctx.journal, job.job_id, JOB_FAILED)
        if script_location is not None:
            record_items(ctx.journal, job.job_id, [_item(script_location)], ITEM_FAILED)
        raise
    started = StartedJob(job.job_id, job.folder, job.generated.data, Path(job.user.data_store))
    hinted = hints.hints()
    token = env["FDP_LOCAL_TOKEN"]
    shown = input_items([i.to_json() for i in inputs])
    return await record_script_end(
        ctx, started, end, token, emitter, registry, hinted, shown, script_location
    )


def input_items(inputs: list[Any]) -> list[RunInput]:
    """A run result's `inputs` from the job's recorded inputs (`ReadInput.to_json`)."""
    return [
        {"item": f"{i['namespace']}:{i['name']}@{i['version']}", "file": i.get("file")}
        for i in inputs
    ]


@dataclass(frozen=True)
class StartedJob:
    """What the bookkeeping after a script needs of its job: one this fdpd prepared, or one an
    earlier fdpd started on a cluster (fdpd.features.run.executors.adoption)."""

    job_id: str
    folder: Path
    working_config: dict[str, Any]
    data_store: Path


async def record_script_end(
    ctx: DaemonContext,
    job: StartedJob,
    end: ScriptEnd,
    token: str,
    emitter: Emitter,
    registry: LocalRegistry,
    hints: list[str],
    inputs: list[RunInput],
    script_location: dict[str, Any] | None = None,
) -> RunResult:
    """Record how the script ended, the job's code runs and what they made; the run's result
    (raises OperationCancelled for a stopped job). `hints` are said if it failed; `inputs` are
    the result's (`input_items`)."""
    status = end.status
    failed = status != 0 or end.stopped
    state = JOB_CANCELLED if end.stopped else JOB_FAILED if failed else JOB_SUCCEEDED
    # The script's end (and the scheduler's reason for it) is kept first: if fdpd stops during
    # the bookkeeping, the next finishes it; whoever reads the job meanwhile sees why it ended.
    why_ended = [end.reason] if end.reason else []
    finish_job(
        ctx.journal, job.job_id, state, exit_status=status, warnings=why_ended, records_pending=True
    )
    findings = await _after_script(ctx, job, failed, token, script_location, registry)
    warnings = (hints if failed else []) + findings.warnings
    warnings += await _end_writes(ctx, job, registry)
    for warning in why_ended + warnings:
        emitter.warning(warning)
    finished = finish_job(
        ctx.journal,
        job.job_id,
        state,
        exit_status=status,
        code_runs=findings.code_runs,
        warnings=warnings,
        records_pending=findings.pending,
    )
    if end.stopped:
        raise _stopped(job.job_id, end)
    return {
        "job": job.job_id,
        "state": state,
        "exit_status": status,
        "ok": not failed,  # the model's failure is the run's (fdpctl exits MODEL_FAILED)
        "job_folder": str(job.folder),
        "code_runs": finished.code_runs,
        "warnings": why_ended + warnings,
        **findings.summary(),
        "inputs": inputs,
        "next": _next_step(job.job_id, failed, findings),
        "records_pending": findings.pending,
    }


def _next_step(job_id: str, failed: bool, findings: Findings) -> str:
    """The command a user runs next: see why it failed, or commit what it made."""
    if failed:
        return f"fdpctl log {job_id}"
    if not findings.code_runs:
        return ""  # nothing to commit (yet, if its records are pending)
    return f"fdpctl commit {job_id}"


def _stopped(job_id: str, end: ScriptEnd) -> OperationCancelled:
    if end.status == -signal.SIGTERM:
        how = "its script ended on SIGTERM"
    elif end.status == -signal.SIGKILL:
        how = "its script was killed"
    else:
        how = f"its script exited with status {end.status} on SIGTERM"
    if end.killed:
        how += f"; processes still running {STOP_GRACE:g} s after SIGTERM got SIGKILL"
    return OperationCancelled(
        "while its script ran",
        f"job {job_id} was stopped ({how}); what it registered is recorded as failed",
        hint="`fdpctl gc` removes what failed and cancelled jobs left; `fdpctl run` runs it again",
    )


async def _after_script(
    ctx: DaemonContext,
    job: StartedJob,
    failed: bool,
    token: str,
    script_location: dict[str, Any] | None,
    registry: LocalRegistry,
) -> Findings:
    """Record the job's code runs and what they made (local, or failed; a failed job's
    leftovers include the script location fdpd registered for it, so gc can remove it), waiting
    for a registry that died meanwhile (`bookkeeping`). Its warnings include the checks'. The
    run's `registry` asks (its connections, open since the checks, are taken up again)."""
    todo = JobToRecord(job.job_id, job.folder, job.working_config, failed, token, script_location)
    return await record_job(ctx, todo, registry=registry)


def _item(record: dict[str, Any]) -> NewItem:
    path = link_path(str(record["url"]))
    return NewItem(path, path.rstrip("/").split("/")[-2])


def _job_row(
    job: PreparedJob,
    source: ConfigSource,
    state: str,
    operation_id: int | None,
    record: dict[str, Any],
    inputs: list[ReadInput],
) -> Job:
    user: FdpUser = job.user
    return Job(
        id=job.job_id,
        operation_id=operation_id,
        username=user.username,
        folder=str(job.folder),
        config_file=source.name,
        state=state,
        started=utc_now(),
        argv=list(job.generated.script.argv),
        cwd=str(job.run_metadata["local_repo"]),
        working_config=job.working_config,
        record=record or job.generated.job_record.to_json(),
        inputs=[dict(i.to_json()) for i in inputs],
        warnings=[w.render() for w in job.generated.warnings],
    )
