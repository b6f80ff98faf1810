"""`delete TOKEN|PATH`: remove one code run, job, data product or file, with the records only it
used, from the local registry and its files from the data store.

Refused while anything else depends on it (a later code run read the data product, another run
uses the same output), listing what; refused for unsynced items (local, committed) unless forced.
"""

from __future__ import annotations

import asyncio

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import Conflict, FdpError, NotFound
from fdpd.base.wire import Deleted
from fdpd.core.context import DaemonContext
from fdpd.features.gc.files import (
    StoredFile,
    data_stores,
    stored_files,
    without_staying_files,
)
from fdpd.features.gc.inventory import Inventory, read_inventory
from fdpd.features.gc.jobs_without_runs import jobs_left_without_runs, remove_job_folders
from fdpd.features.gc.journal_removals import remote_versions_of
from fdpd.features.gc.ownership import own_records
from fdpd.features.gc.plan import RemovalPlan, carry_out, label, refuse_unless_own_registry
from fdpd.features.gc.selection import blockers, removable
from fdpd.journal.models import (
    ITEM_COMMITTED,
    ITEM_LOCAL,
    JOB_DELETED,
    JOB_PREPARED,
    JOB_RUNNING,
    Job,
)
from fdpd.journal.queries import jobs_with_prefix, running_jobs, tracked_items
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.shared.closure import local_registry
from fdpd.shared.targets import Target, named_job, resolve_target

_SHOWN = 10


async def delete_target(
    ctx: DaemonContext, *, token: str | None, path: str | None, force: bool, dry_run: bool
) -> Deleted:
    """Remove what TOKEN|PATH names; the answer lists the records and files removed. The
    folder of a job none of whose code runs stays goes too (a job named with no code run in the
    local registry, a failed one or one whose runs were deleted, is only its folder)."""
    refuse_unless_own_registry(registry_supervisor(ctx), "delete")
    lock = ctx.services.locks.housekeeping
    if lock.locked():
        raise Conflict("a gc or delete is already running", hint="wait for it to finish")
    async with lock, local_registry(ctx, "delete") as local:
        target = await resolve_target(ctx.journal, local, token=token, path=path, runless_jobs=True)
        if not target.roots:
            return await asyncio.to_thread(_delete_runless_job, ctx, target, dry_run)
        _refuse_running_job(ctx, target)
        inventory = await read_inventory(local)
        plan = _plan(ctx, inventory, target, force)
        plan.files = await asyncio.to_thread(_files, ctx, inventory, set(plan.records))
        jobs = jobs_left_without_runs(ctx.journal, inventory, set(plan.records))
        named = named_job(ctx.journal, target) if token is not None else None
        if named is not None and named.id not in {job.id for job in jobs}:
            jobs.append(named)  # a job named goes with its folder, whatever else stays
        job = named if named is not None else (jobs[0] if jobs else None)
        if dry_run:
            return _answer(target, plan, job, dry_run=True, problems=[])
        problems = await carry_out(
            plan,
            local=local,
            journal=ctx.journal,
            reason="delete",
            operation_id=None,
        )
        stores = data_stores(ctx.journal, ctx.locations)
        problems += await asyncio.to_thread(remove_job_folders, ctx.journal, jobs, stores)
    return _answer(target, plan, job, dry_run=False, problems=problems)


def _delete_runless_job(ctx: DaemonContext, target: Target, dry_run: bool) -> Deleted:
    """`delete JOB` for a job with no code run in the local registry: its folder goes, and the
    journal marks it deleted."""
    jobs = jobs_with_prefix(ctx.journal, target.given)
    if len(jobs) != 1:
        shown = ", ".join(job.id for job in jobs[:_SHOWN])
        raise FdpError(
            f"{target.given!r} is ambiguous: it matches jobs {shown}",
            hint="give more characters of the job id",
            code=ErrorCode.AMBIGUOUS_TOKEN,
        )
    job = jobs[0]
    if job.state == JOB_DELETED:
        raise NotFound(
            f"job {job.id} was deleted already",
            hint="`fdpctl log` lists the jobs",
            code=ErrorCode.NO_SUCH_ITEM,
        )
    if job.state in (JOB_PREPARED, JOB_RUNNING):
        raise Conflict(
            f"job {job.id} is still running",
            hint=f"wait for it to end (or `fdpctl cancel {job.id}`), then delete it",
        )
    why = "recorded no code run" if not job.code_runs else "has no code run left"
    answer = _answer(target, RemovalPlan(), job, dry_run=dry_run, problems=[])
    answer["items"] = [f"job {job.id} ({job.state}; it {why} in the local registry)"]
    if not dry_run:
        stores = data_stores(ctx.journal, ctx.locations)
        answer["problems"] = remove_job_folders(ctx.journal, [job], stores)
        answer["ok"] = not answer["problems"]
    return answer


def _refuse_running_job(ctx: DaemonContext, target: Target) -> None:
    items = tracked_items(ctx.journal)
    running = set(running_jobs(ctx.journal))
    for root in target.roots:
        item = items.get(root.path)
        if item is not None and item.job_id in running:
            raise Conflict(
                f"{root.label} belongs to job {item.job_id}, which is still running",
                hint="wait for the job to end, then delete it",
            )


def _plan(ctx: DaemonContext, inventory: Inventory, target: Target, force: bool) -> RemovalPlan:
    roots = [root.path for root in target.roots]
    owned = set().union(*(own_records(inventory, root) for root in roots))
    chosen = removable(inventory, owned)
    core = _core(inventory, roots)
    if not core <= chosen:
        raise _depended_upon(inventory, target, blockers(inventory, core - chosen, chosen))
    items = tracked_items(ctx.journal)
    unsynced = sorted(
        path
        for path in chosen
        if path in items
        and items[path].state in (ITEM_LOCAL, ITEM_COMMITTED)
        and inventory.nodes[path].type in ("code_run", "data_product")
    )
    if unsynced and not force:
        raise _unsynced(inventory, target, unsynced, items[unsynced[0]].state)
    return RemovalPlan(
        records={path: inventory.nodes[path].type for path in sorted(chosen)},
        versions=remote_versions_of(inventory, items, chosen),
    )


def _files(ctx: DaemonContext, inventory: Inventory, chosen: set[str]) -> list[StoredFile]:
    """The data store files of the chosen storage locations no staying location names."""
    locations = [path for path in chosen if inventory.nodes[path].type == "storage_location"]
    found = stored_files(inventory, locations, data_stores(ctx.journal, ctx.locations))
    return without_staying_files(inventory, found, chosen)


def _core(inventory: Inventory, roots: list[str]) -> set[str]:
    """What must go for the deletion to mean anything: the roots, a product's object unit, and
    a run's outputs."""
    core: set[str] = set()
    for root in roots:
        node = inventory.nodes[root]
        core.add(root)
        if node.type == "data_product":
            core |= inventory.unit(root)
        if node.type == "code_run":
            outputs = node.record.get("outputs") or []
            core |= set().union(*(inventory.unit(c) for c in outputs if c in inventory.nodes))
    return core


def _depended_upon(inventory: Inventory, target: Target, users: set[str]) -> FdpError:
    names = sorted({_user_label(inventory, key) for key in users})
    shown = ", ".join(names[:_SHOWN]) + (
        f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    )
    return FdpError(
        f"cannot delete {target.given}: other items depend on it: {shown}",
        hint="delete those first (or keep it)",
        code=ErrorCode.DEPENDED_UPON,
    )


def _user_label(inventory: Inventory, key: str) -> str:
    node = inventory.nodes[key]
    if node.type == "code_run":
        return f"{label(inventory, key)} (uses it)"
    return label(inventory, key)


def _unsynced(inventory: Inventory, target: Target, paths: list[str], state: str) -> FdpError:
    names = ", ".join(label(inventory, path) for path in paths[:_SHOWN])
    return FdpError(
        f"{target.given} is not on any remote ({names}: {state}); deleting it loses it for good",
        hint="push it first, or delete it anyway with --force",
        code=ErrorCode.UNSYNCED_ITEM,
    )


def _answer(
    target: Target, plan: RemovalPlan, job: Job | None, *, dry_run: bool, problems: list[str]
) -> Deleted:
    return {
        "given": target.given,
        "items": [root.label for root in target.roots],
        "dry_run": dry_run,
        **plan.summary(),
        "job": {"id": job.id, "folder": job.folder} if job is not None else None,
        "ok": not problems,
        "problems": problems,
    }
