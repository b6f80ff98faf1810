"""`update [--remote NAME] [--dry-run]`: newer remote versions of what was pulled.

Every data product the journal marks `pulled` is grouped by remote and by `namespace:name`; per
remote, one resolution of `${{LATEST}}` for all groups (one namespace look-up per namespace, one
list query per name), and the products newer than the highest version pulled are pulled with the
sync engine (records and files). `--dry-run` reports them without pulling.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.cancellation import checkpoint
from fdpd.base.wire import Updated
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.pull.outcome import ItemResult
from fdpd.features.pull.pull import PullProgress
from fdpd.journal.queries import pulled_items
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.remote.client import Record, RegistryClient
from fdpd.remote.errors import RemoteNotFound
from fdpd.remote.user_remotes import get_remote, open_remote_client
from fdpd.shared.fdp_users import active_user, read_user_token
from fdpd.shared.journal_ledger import JournalSyncLedger
from fdpd.sync import ReadRequest, RemoteProduct, pull, resolve_reads
from fdpd.userconfig.semver import parse_version
from fdpd.userconfig.versions import LATEST

ProductKey = tuple[str, str]  # namespace, name


@dataclass(frozen=True)
class UpdateRequest:
    remote: str | None = None
    dry_run: bool = False


@dataclass
class RemoteUpdate:
    """What one remote has that is newer than what was pulled from it."""

    remote: str
    pulled: dict[ProductKey, str]  # highest version pulled, by product
    newer: list[RemoteProduct]

    def change(self, product: RemoteProduct) -> str:
        key = (product.ref.namespace, product.ref.name)
        return f"{key[0]}:{key[1]} {self.pulled[key]} -> {product.ref.version}"


async def update_pulled(ctx: DaemonContext, request: UpdateRequest, emitter: Emitter) -> Updated:
    user = active_user(ctx.journal)
    token = read_user_token(user)
    supervisor = registry_supervisor(ctx)
    by_remote = pulled_items(ctx.journal, request.remote)
    progress = PullProgress(emitter)
    results: list[ItemResult] = []
    requests: Counter[str] = Counter()
    records_created = files = transferred = 0
    async with (
        supervisor.held("update"),
        supervisor.client(token) as local,
    ):
        for remote_name, paths in sorted(by_remote.items()):
            checkpoint("between remotes")
            remote = get_remote(ctx.locations, remote_name)
            pulled = await _pulled_versions(local, paths)
            async with open_remote_client(remote, ctx.services.remote_transport) as client:
                found = RemoteUpdate(remote_name, pulled, await _newer(client, pulled))
                emitter.log(f"{remote_name}: {len(found.newer)} newer of {len(pulled)} pulled")
                if found.newer and not request.dry_run:
                    report = await pull(
                        client,
                        local,
                        found.newer,
                        await JournalSyncLedger.open(ctx.journal, remote_name, "pull"),
                        Path(user.data_store),
                        on_progress=progress.sync(remote_name),
                        on_warning=progress.warn,
                    )
                    records_created += report.records_created
                    files += report.files_transferred
                    transferred += report.bytes_transferred
                    failed = {o.item: o.reason for o in report.items if o.status != "pulled"}
                else:
                    failed = {}
                results += _results(found, failed, request.dry_run)
                requests += client.requests
    return {
        "dry_run": request.dry_run,
        "ok": all(r.status != "failed" for r in results),
        "checked": sum(len(paths) for paths in by_remote.values()),
        "changes": [r.to_json() for r in results],
        "records_created": records_created,
        "files_downloaded": files,
        "bytes_downloaded": transferred,
        "remote_requests": dict(requests),
        "remote_request_total": sum(requests.values()),
    }


async def _pulled_versions(local: RegistryClient, paths: list[str]) -> dict[ProductKey, str]:
    """Highest version pulled per product, read from the local registry (cheap, local)."""
    namespaces: dict[str, str] = {}
    highest: dict[ProductKey, str] = {}
    for path in paths:
        try:
            product = await local.get(path)
        except RemoteNotFound:
            continue  # removed locally since it was pulled: nothing to compare with
        key = (await _namespace_name(local, product, namespaces), str(product["name"]))
        version = str(product["version"])
        if key not in highest or _later(version, highest[key]):
            highest[key] = version
    return highest


async def _namespace_name(local: RegistryClient, product: Record, memo: dict[str, str]) -> str:
    link = str(product["namespace"])
    if link not in memo:
        memo[link] = str((await local.get(link))["name"])
    return memo[link]


async def _newer(remote: RegistryClient, pulled: dict[ProductKey, str]) -> list[RemoteProduct]:
    requests = [ReadRequest(ns, name, LATEST) for ns, name in sorted(pulled)]
    try:
        latest = await resolve_reads(remote, requests)
    except RemoteNotFound:
        latest = []  # some product is gone from the remote: look the others up one by one
        for single in requests:
            try:
                latest += await resolve_reads(remote, [single])
            except RemoteNotFound:
                continue
    return [p for p in latest if _later(p.ref.version, pulled[(p.ref.namespace, p.ref.name)])]


def _later(version: str, than: str) -> bool:
    mine, theirs = parse_version(version), parse_version(than)
    if mine is None or theirs is None:
        return False
    return mine > theirs


def _results(found: RemoteUpdate, failed: dict[str, str], dry_run: bool) -> list[ItemResult]:
    results = []
    for product in found.newer:
        label = str(product.ref)
        remote_url = str(product.record["url"])
        if dry_run:
            results.append(
                ItemResult(found.change(product), "newer", "update", remote_url=remote_url)
            )
        elif label in failed:
            results.append(
                ItemResult(
                    found.change(product),
                    "failed",
                    "update",
                    remote_url=remote_url,
                    reason=failed[label],
                )
            )
        else:
            results.append(
                ItemResult(found.change(product), "pulled", "update", remote_url=remote_url)
            )
    return results
