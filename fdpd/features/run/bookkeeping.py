"""A job's bookkeeping after its script: find its code runs and what they made in the local
registry, check the outputs, mark the private ones, and record them in the journal.

The registry may be gone just then (killed, crashed, restarting: its supervisor restarts it
within seconds). The bookkeeping waits for it, taking a hold each time (which starts it again);
if it still cannot read the registry, the job is recorded with `records_pending` and its
bookkeeping is finished at the next chance: the next `run`, `status`, `commit` or `push`, or
when fdpd starts. Nothing says the job made nothing when fdp could not look.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fdpd.base.errors import FdpError, Unavailable
from fdpd.core.context import DaemonContext
from fdpd.features.run.provenance_checks import provenance_problems
from fdpd.features.run.reconcile import (
    Findings,
    find_job_records,
    protect_private_outputs,
    reconcile_outputs,
)
from fdpd.journal.jobs import pending_jobs, record_items, records_recorded
from fdpd.journal.models import ITEM_FAILED, ITEM_LOCAL, UNFINISHED_JOBS, Job
from fdpd.local_registry.access import LocalRegistry, LocalRegistryService
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.remote.errors import RemoteServerError
from fdpd.shared.fdp_users import list_users, read_user_token

log = logging.getLogger(__name__)

# Waits between attempts while the registry is away after a job: its supervisor restarts a
# registry that died after 1 s, then 2 s, 4 s... (fdpd.local_registry.supervisor); about 15 s in
# all.
WAITS_AFTER_A_JOB = (0.5, 1.0, 2.0, 4.0, 8.0)
PENDING_NOTE = (
    "could not look at the local registry after the script ({why}), so what the job made is "
    "not recorded yet: fdp records what the job made when the registry answers again (at the "
    "next `fdpctl run`, `status`, `commit` or `push`, or when fdpd starts)"
)


@dataclass(frozen=True)
class JobToRecord:
    job_id: str
    folder: Path
    working_config: dict[str, Any]
    failed: bool
    token: str  # the job user's: the private marks are the user's records
    script_location: dict[str, Any] | None = None  # fdpd registered it for this job


async def record_job(
    ctx: DaemonContext,
    todo: JobToRecord,
    waits: Sequence[float] = WAITS_AFTER_A_JOB,
    registry: LocalRegistry | None = None,
) -> Findings:
    """Look for what the job made and record it in the journal (local, or failed). If the
    registry could not be read, trying again after each of `waits`, the findings are `pending`
    (the caller records the job so) and their one warning says why. `registry`: the run's own
    requests, whose open connections the looks take up (else each look opens its own)."""
    supervisor = registry_supervisor(ctx)
    why = ""
    for wait in (0.0, *waits):
        await asyncio.sleep(wait)
        try:
            findings = await _look(supervisor, todo, registry)
        except (Unavailable, RemoteServerError) as error:
            why = error.message
            log.warning("job %s: the local registry cannot be read: %s", todo.job_id, why)
            continue
        except FdpError as error:  # an odd record, say: looking again later may still work
            why = error.message
            log.warning("job %s: what it made could not be recorded: %s", todo.job_id, why)
            break
        state = ITEM_FAILED if todo.failed else ITEM_LOCAL
        record_items(ctx.journal, todo.job_id, findings.items.values(), state)
        return findings
    return Findings(warnings=[PENDING_NOTE.format(why=why or "it did not answer")], pending=True)


async def _look(
    supervisor: LocalRegistryService, todo: JobToRecord, given: LocalRegistry | None
) -> Findings:
    """One look, with a hold on the registry: a registry that died is started again (a
    connection to the one that died is not used again: the pool finds it closed)."""
    async with supervisor.held(f"job {todo.job_id} (recording)"):
        if given is not None:
            return await _findings(given, todo)
        async with supervisor.requests() as registry:
            return await _findings(registry, todo)


async def _findings(registry: LocalRegistry, todo: JobToRecord) -> Findings:
    """What the job made, checked (`_look`)."""
    findings = await find_job_records(registry, todo.folder, todo.failed)
    if todo.failed and todo.script_location is not None:
        findings.add(todo.script_location)
    findings.warnings += await provenance_problems(registry, findings)
    if not todo.failed:
        findings.warnings += await reconcile_outputs(findings, todo.working_config)
        findings.warnings += await protect_private_outputs(
            registry, findings, todo.working_config, todo.token
        )
    return findings


async def finish_pending_bookkeeping(ctx: DaemonContext) -> None:
    """Record what the jobs with `records_pending` made, one attempt each; a job whose registry
    still cannot be read stays pending (logged, never an error of the caller's)."""
    if not pending_jobs(ctx.journal):
        return
    async with ctx.services.locks.bookkeeping:
        for job in pending_jobs(ctx.journal):
            try:
                await _finish(ctx, job)
            except FdpError as error:
                log.warning("job %s: its bookkeeping waits: %s", job.id, error.message)
            except Exception:  # an odd record: never the failure of `status` or `push`
                log.exception("job %s: its bookkeeping failed; it stays pending", job.id)


async def _finish(ctx: DaemonContext, job: Job) -> None:
    findings = await record_job(ctx, _todo_of(ctx, job), waits=())
    if findings.pending:
        return
    note = "what the job made was recorded later, when the local registry answered"
    records_recorded(ctx.journal, job.id, findings.code_runs, [note, *findings.warnings])
    log.info("job %s: recorded what it made (%d records)", job.id, len(findings.items))


def _todo_of(ctx: DaemonContext, job: Job) -> JobToRecord:
    users = {user.username: user for user in list_users(ctx.journal)}
    user = users.get(job.username)
    token = read_user_token(user) if user else registry_supervisor(ctx).token
    config = yaml.safe_load(job.working_config) if job.working_config else {}
    return JobToRecord(
        job.id,
        Path(job.folder),
        config if isinstance(config, dict) else {},
        failed=job.state in UNFINISHED_JOBS,
        token=token,
    )
