"""`gc`: remove from the local registry what a remote holds and nothing unsynced needs.

Candidates are items pushed to or pulled from a remote, plus what failed jobs left behind (never
synced; a failed run's records are incomplete by definition). Everything in the provenance
closure of a local or committed item stays. Before anything goes, each remote is asked now (not
the journal) whether it holds the same records, and, for files gc deletes, the same content; what
a remote does not confirm stays, with whatever it needs. If a remote cannot be asked, nothing is
removed at all.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import httpx

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import Conflict, FdpError
from fdpd.base.units import counted
from fdpd.base.wire import Removal
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.gc.confirm import Confirmation, confirm
from fdpd.features.gc.files import (
    StoredFile,
    data_stores,
    stored_files,
    without_staying_files,
)
from fdpd.features.gc.inventory import Inventory, read_inventory
from fdpd.features.gc.jobs_without_runs import jobs_left_without_runs, remove_job_folders
from fdpd.features.gc.journal_removals import forget_items, remote_versions_of
from fdpd.features.gc.ownership import own_records
from fdpd.features.gc.plan import RemovalPlan, carry_out, label, refuse_unless_own_registry
from fdpd.features.gc.selection import removable
from fdpd.journal.models import (
    ITEM_COMMITTED,
    ITEM_FAILED,
    ITEM_LOCAL,
    ITEM_PULLED,
    ITEM_PUSHED,
    Item,
)
from fdpd.journal.queries import running_jobs, tracked_items
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.remote.user_remotes import Remote, load_remotes, open_remote_client
from fdpd.shared.closure import local_registry

_SYNCED = (ITEM_PUSHED, ITEM_PULLED)
_UNSYNCED = (ITEM_LOCAL, ITEM_COMMITTED)


async def collect_garbage(
    ctx: DaemonContext,
    *,
    files: bool,
    all_files: bool,
    dry_run: bool,
    remote_name: str | None,
    emitter: Emitter,
) -> Removal:
    """The work of a `gc` operation: what was (or would be) removed, and what was kept."""
    refuse_unless_own_registry(registry_supervisor(ctx), "gc")
    lock = ctx.services.locks.housekeeping
    if lock.locked():
        raise Conflict("a gc or delete is already running", hint="wait for it to finish")
    async with lock:
        _refuse_while_jobs_run(ctx)
        remotes = load_remotes(ctx.locations)
        if remote_name is not None and remote_name not in remotes:
            raise FdpError(
                f"no remote called {remote_name!r} is configured",
                hint="`fdpctl remote list` shows the remotes",
                code=ErrorCode.NO_REMOTE,
            )
        async with local_registry(ctx, "gc") as local:
            emitter.progress("reading the local registry")
            inventory = await read_inventory(local)
            items = tracked_items(ctx.journal)
            stale = [path for path in items if path not in inventory.nodes]
            plan = await _plan(
                ctx, inventory, items, remotes, remote_name, files, all_files, emitter
            )
            if dry_run:
                return _answer(plan, dry_run=True, problems=[])
            if stale:
                forget_items(ctx.journal, stale)
            emitter.progress(
                f"removing {counted(len(plan.records), 'record')}, "
                f"{counted(len(plan.files), 'file')}"
            )
            problems = await carry_out(
                plan,
                local=local,
                journal=ctx.journal,
                reason="gc",
                operation_id=emitter.operation_id,
            )
            stores = data_stores(ctx.journal, ctx.locations)
            problems += await asyncio.to_thread(remove_job_folders, ctx.journal, plan.jobs, stores)
    for problem in problems:
        emitter.warning(problem)
    return _answer(plan, dry_run=False, problems=problems)


def _refuse_while_jobs_run(ctx: DaemonContext) -> None:
    running = running_jobs(ctx.journal)
    if running:
        raise Conflict(
            f"job {running[0]} is running; it may need records gc would remove",
            hint="run gc when no job is running (`fdpctl log` lists jobs)",
        )


async def _plan(
    ctx: DaemonContext,
    inventory: Inventory,
    items: dict[str, Item],
    remotes: dict[str, Remote],
    remote_name: str | None,
    files: bool,
    all_files: bool,
    emitter: Emitter,
) -> RemovalPlan:
    plan = RemovalPlan()
    unsynced = [path for path, item in items.items() if item.state in _UNSYNCED]
    needed = inventory.closure(unsynced)
    synced = {
        path: item
        for path, item in items.items()
        if item.state in _SYNCED
        and item.remote_url
        and item.remote in remotes
        and (remote_name is None or item.remote == remote_name)
        and path in inventory.nodes
    }
    leftovers = _failed_leftovers(inventory, items)
    candidates = (set(synced) | leftovers) - needed
    chosen = removable(inventory, candidates)
    found = await asyncio.to_thread(_stored_files, ctx, inventory, chosen)
    deletable, restricted = _files_to_delete(inventory, found, chosen, files, all_files)
    transport = ctx.services.remote_transport
    confirmed = await _confirm(inventory, synced, chosen, deletable, remotes, transport, emitter)
    plan.remote_requests = confirmed.requests
    unconfirmed = {path for path in chosen & set(synced) if path not in confirmed.records}
    lost = {f.location for f in deletable if f.location in synced} - confirmed.files
    for path in sorted(unconfirmed | lost):
        why = confirmed.missing.get(path, "not confirmed by the remote")
        plan.kept.append({"item": label(inventory, path), "reason": why})
    for file in restricted:
        why = "restricted accessibility: file and records kept (--all removes them)"
        plan.kept.append({"item": str(file.path), "reason": why})
    # A file that stays keeps the records describing it (its location and the objects using it).
    kept_files = lost | {file.location for file in restricted}
    holders = {r for path in kept_files for r in inventory.referrers.get(path, ())}
    # Without --files every file stays, and so does the storage location naming it: without
    # that record no later gc could find the file, and nothing would ever delete it.
    staying = [] if files else found
    named = {file.location for file in staying}
    chosen = removable(inventory, chosen, keep=unconfirmed | kept_files | holders | named)
    _note_staying_files(plan, staying)
    plan.records = {path: inventory.nodes[path].type for path in sorted(chosen)}
    plan.files = [f for f in deletable if f.location in chosen]
    plan.versions = remote_versions_of(inventory, items, chosen)
    plan.untracked_kept = sorted(path for path in named if path not in items)
    plan.jobs = jobs_left_without_runs(ctx.journal, inventory, chosen)
    return plan


def _note_staying_files(plan: RemovalPlan, staying: list[StoredFile]) -> None:
    if staying:
        plan.kept.append(
            {
                "item": f"{counted(len(staying), 'file')} ({sum(f.size for f in staying)} bytes)",
                "reason": "kept with the storage locations naming them (`gc --files` removes both)",
            }
        )


def _failed_leftovers(inventory: Inventory, items: dict[str, Item]) -> set[str]:
    failed = {path for path, item in items.items() if item.state == ITEM_FAILED}
    runs = [
        path for path in failed if path in inventory.nodes and path.startswith("/api/code_run/")
    ]
    return failed | set().union(*(own_records(inventory, run) for run in runs))


def _stored_files(ctx: DaemonContext, inventory: Inventory, chosen: set[str]) -> list[StoredFile]:
    """The files in a data store that the chosen storage locations name."""
    locations = [path for path in chosen if inventory.nodes[path].type == "storage_location"]
    return stored_files(inventory, locations, data_stores(ctx.journal, ctx.locations))


def _files_to_delete(
    inventory: Inventory,
    found: list[StoredFile],
    chosen: set[str],
    files: bool,
    all_files: bool,
) -> tuple[list[StoredFile], list[StoredFile]]:
    """Of the chosen locations' files: (to delete, restricted ones to keep)."""
    if not files:
        return [], []
    restricted = [file for file in found if file.restricted and not all_files]
    unrestricted = [file for file in found if all_files or not file.restricted]
    deletable = without_staying_files(inventory, unrestricted, chosen)
    return deletable, restricted


async def _confirm(
    inventory: Inventory,
    synced: dict[str, Item],
    chosen: set[str],
    deletable: list[StoredFile],
    remotes: dict[str, Remote],
    transport: httpx.AsyncBaseTransport | None,
    emitter: Emitter,
) -> Confirmation:
    """Ask each remote about the chosen records synced with it; any failure stops gc."""
    by_remote: dict[str, dict[str, str]] = defaultdict(dict)
    for path in chosen:
        item = synced.get(path)
        if item is not None and item.remote and item.remote_url:
            by_remote[item.remote][path] = item.remote_url
    total = Confirmation()
    for name, urls in sorted(by_remote.items()):
        emitter.progress(f"confirming {counted(len(urls), 'record')} with remote {name}")
        files = [f.location for f in deletable if f.location in urls]
        try:
            async with open_remote_client(remotes[name], transport) as client:
                found = await confirm(client, inventory, urls, files)
        except FdpError as error:  # unreachable, token refused, unusable token file…
            raise _cannot_confirm(name, error) from None
        total.records |= found.records
        total.files |= found.files
        total.missing.update(found.missing)
        total.requests.update(found.requests)
    return total


def _cannot_confirm(remote: str, error: FdpError) -> FdpError:
    return FdpError(
        f"gc removed nothing: it could not confirm with remote {remote} that it still holds "
        f"the records ({error.message})",
        hint=error.hint or f"run gc again when remote {remote} can be reached",
        code=ErrorCode.REMOTE_UNCONFIRMED,
    )


def _answer(plan: RemovalPlan, *, dry_run: bool, problems: list[str]) -> Removal:
    return {"dry_run": dry_run, **plan.summary(), "ok": not problems, "problems": problems}
