"""A removal worked out in full before anything is touched, and carrying it out: registry records
first (one transaction), then the journal, then the files."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import Conflict, FdpError
from fdpd.base.wire import KeptItem, RemovalSummary
from fdpd.features.gc.files import StoredFile, delete_files
from fdpd.features.gc.inventory import Inventory
from fdpd.features.gc.journal_removals import record_removals
from fdpd.journal import Journal
from fdpd.journal.models import Job, RemoteVersion
from fdpd.local_registry.access import LocalRegistryService
from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import RemoteUnreachable

_SHOWN = 8
# What gc and delete use that only fdp's own registry has (`require_own_registry`).
NEEDS = (
    "removes records through fdp's `POST /fdp/remove` route, which other registries do not "
    "have (the reference registry has no delete API)"
)


def refuse_unless_own_registry(supervisor: LocalRegistryService, verb: str) -> None:
    """gc and delete remove records: refuse them up front on a registry of the user's own."""
    supervisor.require_own_registry(verb, NEEDS)


@dataclass
class RemovalPlan:
    records: dict[str, str] = field(default_factory=dict)  # local path → type
    files: list[StoredFile] = field(default_factory=list)
    kept: list[KeptItem] = field(default_factory=list)
    remote_requests: dict[str, dict[str, int]] = field(default_factory=dict)
    versions: list[RemoteVersion] = field(default_factory=list)  # removed, a remote holds them
    # Locations of failed jobs' leftovers that stay for their files (gc without --files): the
    # journal tracks them from now on (state failed), so that a later `gc --files` finds them.
    untracked_kept: list[str] = field(default_factory=list)
    # Jobs none of whose code runs stays once the records go: their folders go too (gc).
    jobs: list[Job] = field(default_factory=list)

    def summary(self) -> RemovalSummary:
        return {
            "records": len(self.records),
            "records_by_kind": dict(sorted(Counter(self.records.values()).items())),
            "files": len(self.files),
            "bytes_freed": sum(file.size for file in self.files),
            "file_list": [
                {"file": str(f.path), "size": f.size, "restricted": f.restricted}
                for f in self.files
            ],
            "kept": self.kept,
            "remote_requests": self.remote_requests,
            "job_folders": [job.folder for job in self.jobs],
        }


async def carry_out(
    plan: RemovalPlan,
    *,
    local: RegistryClient,
    journal: Journal,
    reason: str,
    operation_id: int | None,
) -> list[str]:
    """Remove the plan's records (`local` carries fdpd's admin token), record it, delete its
    files; the files that could not go."""
    if plan.records:
        await _remove_records(local, list(plan.records))
    files = {file.location: str(file.path) for file in plan.files}
    record_removals(
        journal,
        plan.records,
        files,
        reason=reason,
        operation_id=operation_id,
        versions=plan.versions,
        failed=plan.untracked_kept,
    )
    return await asyncio.to_thread(delete_files, plan.files)


async def _remove_records(local: RegistryClient, paths: list[str]) -> None:
    try:
        referenced = await local.remove_records(paths)
    except RemoteUnreachable as error:
        raise FdpError(
            f"{error.message}; nothing was recorded as removed",
            hint="check `fdpctl registry status`, then run the command again",
            code=ErrorCode.REGISTRY_DOWN,
        ) from None
    if referenced is not None:
        shown = "; ".join(
            f"{entry['record']} (used by {', '.join(entry['referenced_by'][:3])})"
            for entry in referenced[:_SHOWN]
        )
        raise Conflict(
            f"the local registry refused the removal: records changed meanwhile ({shown}); "
            "nothing was removed",
            hint="run the command again",
        )


def label(inventory: Inventory, key: str) -> str:
    """How a user recognises a record: `ns:name@version`, `code run <uuid>`, a file…"""
    node = inventory.nodes.get(key)
    if node is None:
        return key
    record = node.record
    if node.type == "data_product":
        namespace = inventory.nodes.get(str(record.get("namespace")))
        prefix = f"{namespace.record.get('name')}:" if namespace else ""
        return f"{prefix}{record.get('name')}@{record.get('version')}"
    if node.type == "code_run":
        return f"code run {record.get('uuid')}"
    if node.type == "storage_location":
        return f"file {record.get('path')}"
    owner = inventory.object_of(key)
    if owner is not None and owner != key:
        products = [p for p in inventory.parts.get(owner, ()) if p.startswith("/api/data_product/")]
        if products:
            return f"{node.type} of {label(inventory, sorted(products)[0])}"
    return f"{node.type} {key}"
