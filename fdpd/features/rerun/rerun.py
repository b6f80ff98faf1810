"""`rerun ITEM`: run a recorded code run again and say whether it came out the same.

Gather the recorded run (`recorded`), materialise its code at the recorded commit (`code`), fetch
the inputs whose files are on a remote (`inputs`), run its working config as it was (`config`:
reads pinned to the recorded versions) as a job of kind rerun through the job machinery (locally
or through SLURM), compare every output's SHA-1 with the original's (`compare`). Unless `keep`,
what the rerun registered is removed again with `delete`'s removal code, job folder included; the
scratch area (the code) always goes. The verdict goes to the journal and to the local registry
(`POST /fdp/reruns`, for the web view)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.wire import RerunDifference, RerunResult, RunResult
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.gc import delete_target
from fdpd.features.gc.files import data_stores, delete_job_folder
from fdpd.features.gc.journal_removals import mark_job_deleted
from fdpd.features.rerun.code import Code, materialise, remove_code, script_only_hint
from fdpd.features.rerun.compare import compare_outputs
from fdpd.features.rerun.config import rerun_config
from fdpd.features.rerun.fetch import RunFiles
from fdpd.features.rerun.inputs import fetch_missing_inputs
from fdpd.features.rerun.recorded import RecordedRun, gather_run, outputs_of_run
from fdpd.features.run import ConfigSource, RunRequest, run_job
from fdpd.features.run.launch import Executor, LocalExecutor
from fdpd.journal.queries import get_job
from fdpd.journal.reruns import add_rerun, finish_rerun
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.shared.closure import local_registry
from fdpd.shared.fdp_users import active_user

log = logging.getLogger(__name__)

IDENTICAL, DIFFERS, FAILED = "identical", "differs", "failed"
HOUSEKEEPING_WAIT = 120.0  # seconds a rerun waits for a gc or delete before removing its records


@dataclass(frozen=True)
class RerunRequest:
    given: str  # a code run uuid (prefix), a job id, or ns:name@version
    keep: bool = False
    script_only: bool = False
    environment: dict[str, str] = field(default_factory=dict)  # the fdpctl invocation's
    executor: Executor = field(default_factory=LocalExecutor)  # where the rerun's job runs


async def rerun(ctx: DaemonContext, request: RerunRequest, emitter: Emitter) -> RerunResult:
    user = active_user(ctx.journal)
    scratch = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="fdp-rerun-"))
    code: Code | None = None
    try:
        fetch = RunFiles(ctx, scratch / "recorded")
        async with local_registry(ctx, "rerun (gathering)") as local:
            recorded = await gather_run(ctx.journal, local, request.given, fetch)
        if recorded.code is None and not request.script_only:
            raise _no_release(recorded)
        emitter.log(f"rerunning code run {recorded.uuid} ({recorded.description})")
        if request.script_only or recorded.code is None:
            folder = scratch / "code"
            folder.mkdir()
            emitter.log("code: none (--script-only): the recorded script runs in an empty folder")
        else:
            code = await materialise(recorded.code, recorded.local_repo, scratch)
            folder = code.folder
            emitter.log(f"code: {code.source}")
        await fetch_missing_inputs(ctx, recorded, emitter)
        source = ConfigSource(
            rerun_config(recorded, folder), f"rerun of code run {recorded.uuid}", scratch
        )
        job = RunRequest(source, environment=request.environment, executor=request.executor)
        run = await run_job(ctx, job, emitter)
        assert "job" in run, "a rerun is never a dry run"
        add_rerun(ctx.journal, run["job"], recorded.uuid, request.given, user.username)
        return await _verdict(ctx, request, recorded, run, code)
    finally:
        await remove_code(code)
        await asyncio.to_thread(shutil.rmtree, scratch, True)


async def _verdict(
    ctx: DaemonContext,
    request: RerunRequest,
    recorded: RecordedRun,
    run: RunResult,
    code: Code | None,
) -> RerunResult:
    job_id = run["job"]
    warnings = list(run["warnings"])
    new_run = run["code_runs"][0] if run["code_runs"] else None
    identical = 0
    differences: list[RerunDifference] = []
    if run["ok"] and new_run is not None:
        async with local_registry(ctx, "rerun (comparing)") as local:
            made = await outputs_of_run(ctx.journal, local, new_run)
        identical, differences = compare_outputs(recorded.outputs, made)
        verdict = IDENTICAL if not differences else DIFFERS
    else:
        verdict = FAILED
    kept = request.keep and verdict != FAILED
    if not kept:
        warnings += await _remove_job(ctx, job_id, has_runs=bool(run["code_runs"]))
    ended = finish_rerun(
        ctx.journal,
        job_id,
        verdict,
        identical=identical,
        outputs=len(recorded.outputs),
        kept=kept,
        new_code_run=new_run if kept else None,
    )
    evidence: dict[str, object] = {
        "code_run": recorded.uuid,
        "ended": ended,
        "username": active_user(ctx.journal).username,
        "verdict": verdict,
        "identical": identical,
        "outputs": len(recorded.outputs),
        "job": job_id,
        "kept": kept,
        "new_code_run": new_run if kept else None,
    }
    warnings += await _record_in_registry(ctx, evidence)
    return {
        "job": job_id,
        "code_run": recorded.uuid,
        "verdict": verdict,
        "reproduced": verdict == IDENTICAL,
        "identical": identical,
        "outputs": len(recorded.outputs),
        "differences": differences,
        "code": code.source if code is not None else "none (--script-only)",
        "commit": recorded.code.commit if recorded.code is not None else None,
        "exit_status": run["exit_status"],
        "kept": kept,
        "new_code_run": new_run if kept else None,
        "warnings": warnings,
    }


async def _remove_job(ctx: DaemonContext, job_id: str, *, has_runs: bool) -> list[str]:
    """Remove what the rerun's job registered (records only it uses, its files and its job
    folder) as `fdpctl delete JOB --force` does; problems come back as warnings."""
    try:
        if has_runs:
            await _housekeeping_idle(ctx)
            deleted = await delete_target(ctx, token=job_id, path=None, force=True, dry_run=False)
            return list(deleted["problems"])
        job = get_job(ctx.journal, job_id)
        if job is None:
            return []
        stores = data_stores(ctx.journal, ctx.locations)
        problem = await asyncio.to_thread(delete_job_folder, Path(job.folder), stores)
        mark_job_deleted(ctx.journal, job_id)
        return [problem] if problem else []
    except FdpError as error:
        log.warning("rerun job %s: could not remove what it registered: %s", job_id, error)
        return [
            f"could not remove what rerun job {job_id} registered: {error.message} "
            f"(`fdpctl delete {job_id} --force` removes it)"
        ]


async def _record_in_registry(ctx: DaemonContext, evidence: dict[str, object]) -> list[str]:
    """Record the verdict in fdp's local registry too (`POST /fdp/reruns`), where the web view's
    code-run page reads it; the journal keeps it either way. A registry of the user's own
    (`registry: command:`) has no such route: nothing to do there."""
    if not registry_supervisor(ctx).manages_database:
        return []
    try:
        async with local_registry(ctx, "rerun (recording the verdict)") as local:
            await local.post_route("fdp/reruns", evidence)
    except FdpError as error:
        log.warning("rerun %s: verdict not recorded in the registry: %s", evidence["job"], error)
        return [
            f"the verdict is in fdpd's journal (`fdpctl log`, `fdpctl info`) but could not be "
            f"recorded in the local registry, so the web view does not show it: {error.message}"
        ]
    return []


async def _housekeeping_idle(ctx: DaemonContext) -> None:
    """Wait (a while) for a gc or delete, or another rerun's removal, to end: `delete_target`
    refuses to start while one runs."""
    lock = ctx.services.locks.housekeeping
    for _ in range(int(HOUSEKEEPING_WAIT / 0.1)):
        if not lock.locked():
            return
        await asyncio.sleep(0.1)


def _no_release(run: RecordedRun) -> FdpError:
    script = run.script.strip().splitlines()
    first = script[0] if script else ""
    return FdpError(
        f"code run {run.uuid} records no code repo release (no git URL and commit): the code it "
        f"ran cannot be had again; its script is `{first}`",
        hint=f"{script_only_hint()}: that works when the script holds the whole model (an inline "
        "command, nothing of the repository); otherwise the run cannot be reproduced",
        code=ErrorCode.NO_CODE_RELEASE,
    )
