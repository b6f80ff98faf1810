"""`push`: send every committed root to a remote with the sync engine, then settle the journal.

The engine (`fdpd.sync.push`) does the work and, through `JournalSyncLedger`, links each record in
the journal as soon as the remote has it and marks fully pushed roots. Here: choose the roots,
report progress, and move the rest of what is on the remote from committed to pushed. What a
job's working config declares private is withheld whatever the registry says
(`private_writes`). A dry run
also lists every file that would be published, naming working configs and scripts as such, and
the absolute local paths those configs and scripts show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fdpd.base.errors import Conflict
from fdpd.base.wire import Pushed, PushPlan
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.push.commits import plan_commit
from fdpd.features.push.exposed_paths import exposed_paths
from fdpd.features.push.private_writes import declared_private
from fdpd.journal.models import Item
from fdpd.remote.client import RegistryClient
from fdpd.remote.links import link_path
from fdpd.remote.user_remotes import Remote, get_remote, open_remote_client
from fdpd.shared.closure import load_graph, local_registry
from fdpd.shared.item_states import committed_roots, finish_push
from fdpd.shared.journal_ledger import JournalSyncLedger
from fdpd.store.locations import local_path, location_url
from fdpd.sync import SyncReport, push
from fdpd.sync.graph import RecordGraph, label_of
from fdpd.sync.report import forward_to, items_text


async def push_committed(
    ctx: DaemonContext,
    remote_name: str | None,
    dry_run: bool,
    emitter: Emitter,
    *,
    settle: Callable[[DaemonContext], Awaitable[None]],
) -> Pushed:
    """The work of a `push` operation; its result lists each root's outcome. `settle` runs first,
    under the push lock: the api passes run's pending bookkeeping, so finished jobs' items are
    there to push (as it does before commit and status)."""
    remote = get_remote(ctx.locations, remote_name)
    lock = ctx.services.locks.push
    if lock.locked():
        raise Conflict("a push is already running", hint="wait for it (`fdpctl log` shows it)")
    async with lock:
        await settle(ctx)
        roots = committed_roots(ctx.journal)
        if not roots:
            return _nothing_to_push(remote, dry_run)
        what = items_text(len(roots))
        emitter.progress(f"pushing {what} to {remote.name}", details={"remote": remote.name})
        ledger = await JournalSyncLedger.open(ctx.journal, remote.name, "push")
        transport = ctx.services.remote_transport
        async with (
            local_registry(ctx, "push") as local,
            open_remote_client(remote, transport) as target,
        ):
            report = await push(
                local,
                target,
                [root.path for root in roots],
                ledger,
                data_store_root=remote.data_store,
                dry_run=dry_run,
                on_progress=forward_to(emitter.progress, remote.name),
                on_warning=emitter.warning,
                declared_private=declared_private(ctx.journal),
            )
            plan = await _plan(local, ledger, report) if dry_run else None
    if plan is not None:
        planned = _result(remote, report, 0)
        planned["dry_run"] = True
        planned["files"] = plan["files"]
        planned["records_to_check"] = plan["records_to_check"]
        planned["exposed_paths"] = plan["exposed_paths"]
        return planned
    moved = await asyncio.to_thread(_settle, ctx, remote, roots, report)
    return _result(remote, report, moved)


def _settle(ctx: DaemonContext, remote: Remote, roots: list[Item], report: SyncReport) -> int:
    unfinished = {
        root.path
        for root, outcome in zip(roots, report.items, strict=True)
        if outcome.status != "pushed"
    }
    return finish_push(ctx.journal, remote.name, unfinished)


async def _plan(local: RegistryClient, ledger: JournalSyncLedger, report: SyncReport) -> PushPlan:
    """What a push would send: the files it would publish (local files in the planned roots'
    closure not sent yet) and how many records the remote is not yet known to have."""
    planned = [
        link_path(i.local_url) for i in report.items if i.status == "planned" and i.local_url
    ]
    graph = await load_graph(local, planned)
    closure = graph.closure(planned)
    # counted as `commit` counts (fdpd.features.push.counting), so that run, status, commit and this
    # plan give one figure
    counted = await plan_commit(local, planned)
    taken = {key for root in planned for key in counted.closure(root)}
    unknown = [key for key in taken if ledger.remote_url_for(key) is None]
    return {
        "files": _files(graph, closure, ledger),
        "records_to_check": len(unknown),
        "exposed_paths": await exposed_paths(graph, planned),
    }


def _files(
    graph: RecordGraph, closure: set[str], ledger: JournalSyncLedger
) -> list[dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for key in sorted(closure):
        node = graph[key]
        if node.type != "storage_location" or node.record.get("public") is False:
            continue
        if ledger.remote_url_for(key) is not None:
            continue
        storage_root = graph.nodes.get(node.record.get("storage_root") or "")
        if storage_root is None:
            continue
        path = local_path(location_url(str(storage_root.record["root"]), node.record["path"]))
        if path is None:
            continue
        files[key] = {
            "file": str(path),
            "sha1": node.record.get("hash"),
            "size": path.stat().st_size if path.is_file() else None,
            "is": _roles(graph, key),
        }
    return list(files.values())


def _roles(graph: RecordGraph, location: str) -> list[str]:
    """What a file is to the user: a data product, or a run's working config, script, code."""
    objects = [
        node.key
        for node in graph.nodes.values()
        if node.type == "object" and node.record.get("storage_location") == location
    ]
    roles: list[str] = []
    for node in graph.nodes.values():
        record = node.record
        if node.type == "data_product" and record.get("object") in objects:
            roles.append(f"data product {label_of(graph, node.key)}")
        if node.type == "code_run":
            uuid = record.get("uuid")
            for field, what in _RUN_FILES:
                if record.get(field) in objects:
                    roles.append(f"{what} of code run {uuid}")
    return roles or ["a file of an object"]


_RUN_FILES = (
    ("model_config", "working config (published)"),
    ("submission_script", "submission script (published)"),
    ("code_repo", "code repository"),
)


def _nothing_to_push(remote: Remote, dry_run: bool) -> Pushed:
    return {
        "remote": remote.name,
        "remote_url": remote.url,
        "dry_run": dry_run,
        "items": [],
        "message": "nothing is committed: `fdpctl commit ITEM|PATH` first",
        "records_created": 0,
        "records_patched": 0,
        "files_transferred": 0,
        "bytes_transferred": 0,
        "remote_requests": {},
        "journal_items_pushed": 0,
        "files": [],
        "records_to_check": 0,
        "exposed_paths": [],
    }


def _result(remote: Remote, report: SyncReport, moved: int) -> Pushed:
    return {
        "remote": remote.name,
        "remote_url": remote.url,
        "dry_run": False,
        "ok": all(item.status != "failed" for item in report.items),
        "items": [
            {
                "item": item.item,
                "status": item.status,
                "local_url": item.local_url,
                "remote_url": item.remote_url,
                "reason": "" if item.status == "planned" else item.reason,
            }
            for item in report.items
        ],
        "records_created": report.records_created,
        "records_patched": report.records_patched,
        "records_on_remote": report.records_on_remote,
        "files_transferred": report.files_transferred,
        "bytes_transferred": report.bytes_transferred,
        "remote_requests": report.remote_requests,
        "journal_items_pushed": moved,
        "files": [],
    }
