"""SLURM jobs an earlier fdpd followed, adopted by this one when it starts.

A SLURM job runs on when fdpd stops (a restart, an upgrade, a crash): its job folder keeps
`slurm/following` (SLURM's job id) and the token the wrapper reads, and the journal keeps the job
`running` (`fdpd.server.recovery` leaves it so). Once fdpd serves, each such job gets a `run`
operation of its own that follows it as the first did (`follow_job`: `scontrol show job`, the
wrapper's `started` and `exit_status` in the job folder, the output from `output.log`) and
records it as a run is recorded (`record_script_end`). A job that ended while fdpd was down is
recorded at once, with SLURM's state, or the wrapper's exit status once slurmctld has forgotten
the job. A single job's record moves to the new operation, so `fdpctl log -f JOB` and `fdpctl
cancel JOB` reach it; an array task's stays with its array's operation (`array-N` names it).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from fdpd.base.errors import FdpError
from fdpd.base.wire import ProgressDetails, RunResult
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter, start_operation
from fdpd.features.run.executors.slurm import (
    POLL,
    SlurmExecutor,
    SlurmOptions,
    follow_job,
    followed_job,
)
from fdpd.features.run.hints import OutputHints
from fdpd.features.run.output_reservations import output_folders, output_writes
from fdpd.features.run.redaction import Redactor
from fdpd.features.run.runner import OUTPUT_LEVEL, StartedJob, input_items, record_script_end
from fdpd.journal.jobs import finish_job, move_job, running_jobs
from fdpd.journal.models import JOB_INTERRUPTED, Job
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.shared.fdp_users import list_users, read_user_token

log = logging.getLogger(__name__)


def adopt_left_running(ctx: DaemonContext) -> None:
    """Follow the SLURM jobs an earlier fdpd left running (`fdpd.server.startup` calls this
    once fdpd serves, when the journal has running jobs)."""
    for job in running_jobs(ctx.journal):
        slurm_job = followed_job(job.folder)
        if slurm_job is not None:
            adopt(ctx, job, slurm_job)


def left_running(ctx: DaemonContext) -> str:
    """What SLURM runs on for this fdpd (the local registry outlives fdpd for it), or ""."""
    jobs = [job.id for job in running_jobs(ctx.journal) if followed_job(job.folder)]
    return f"SLURM runs job(s) {', '.join(jobs)} on, which record to it" if jobs else ""


def adopt(ctx: DaemonContext, job: Job, slurm_job: str) -> None:
    log.info(
        "job %s: following SLURM job %s again (an earlier fdpd submitted it)", job.id, slurm_job
    )

    async def work(emitter: Emitter) -> RunResult:
        return await _follow(ctx, job, slurm_job, emitter)

    arguments = {"job": job.id, "slurm_job": slurm_job, "adopted": True}
    emitter = start_operation(ctx, "run", arguments, work, cancellable=True)
    if "_" not in slurm_job:  # an array task's job stays with its array's operation
        move_job(ctx.journal, job.id, emitter.operation_id)


async def _follow(ctx: DaemonContext, job: Job, slurm_job: str, emitter: Emitter) -> RunResult:
    users = {user.username: user for user in list_users(ctx.journal)}
    user = users.get(job.username)
    if user is None:
        finish_job(ctx.journal, job.id, JOB_INTERRUPTED)
        raise FdpError(f"job {job.id}: its fdp user {job.username} is gone; not followed")
    token = read_user_token(user)
    config: dict[str, Any] = yaml.safe_load(job.working_config) or {}
    started = StartedJob(job.id, Path(job.folder), config, Path(user.data_store))
    reservations = ctx.services.reservations
    async with reservations.preparing:  # its outputs are being written, as before the restart
        reservations.reserve(
            job.id, output_writes(config), output_folders(started.data_store, config)
        )
    redact = Redactor([token])
    hints = OutputHints()
    prefix = f"[task {slurm_job.split('_')[1]}] " if "_" in slurm_job else ""

    def on_line(line: str) -> None:
        hints.watch(line)
        emitter.log(redact(prefix + line), level=OUTPUT_LEVEL)

    def on_note(note: str, fields: ProgressDetails) -> None:
        emitter.progress(note, details={"job": job.id, **fields}, keep=True)

    on_note(
        f"job {job.id}: following SLURM job {slurm_job} again (fdpd restarted)",
        {"slurm_job": slurm_job, "slurm_state": "ADOPTED"},
    )
    supervisor = registry_supervisor(ctx)
    async with supervisor.held(f"run {job.id}"):  # the job may still be writing to it
        try:
            end = await follow_job(
                SlurmExecutor(SlurmOptions(), None),
                slurm_job,
                started.folder / "slurm",
                on_line,
                on_note,
                POLL,
            )
        except FdpError:  # SLURM's commands are not on fdpd's PATH
            finish_job(ctx.journal, job.id, JOB_INTERRUPTED)
            reservations.release(job.id)
            raise
        async with supervisor.requests() as registry:
            return await record_script_end(
                ctx, started, end, token, emitter, registry, hints.hints(), input_items(job.inputs)
            )
