"""Push: copy local code runs / data products and their closure to a remote registry.

Files first: every public file in the closure goes to the remote data store and is verified
there before any record is written. Then records, dependencies first, created only where the
remote lacks them; `file://` storage becomes `<remote data store root><sha1>`. Private data (a
local file push would upload whose storage location says `public: false`, or an object marked
key_value `accessibility=private`) and everything that depends on it are never sent, and the
caller is told why; a `public: false` code repository location (no file) is metadata and sent.

A cancelled push (`fdpd.base.cancellation`) stops between files (an upload under way is
abandoned: the remote store keeps no partial file) or between record batches; the ledger holds
every record created, so the next push creates only the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.cancellation import abortable, checkpoint, gather_to_the_end
from fdpd.base.errors import FdpError
from fdpd.base.units import counted
from fdpd.remote.client import RegistryClient
from fdpd.remote.links import link_path
from fdpd.store.framing import MAX_FILE_BYTES, MAX_FILES, MAX_FILES_BYTES
from fdpd.store.locations import local_path, location_url
from fdpd.sync.code_repos import hide_machine_paths
from fdpd.sync.copier import GraphCopier
from fdpd.sync.graph import GraphLoader, Node, RecordGraph, label_of
from fdpd.sync.ledger import SyncLedger
from fdpd.sync.report import (
    ItemOutcome,
    PlannedTransfer,
    Progress,
    ProgressCallback,
    SyncReport,
    WarningCallback,
)
from fdpd.sync.transfers import NOT_ASKED, upload

REMOTE_ROOT_KEY = "synthetic:storage_root:remote-data-store"
log = logging.getLogger(__name__)
BULK_SLOTS = 5000  # upload slots per bulk request

# Why a data product (namespace, name, version) is private by what its owner declared outside
# the registry (a job's working config), or None: push withholds it whatever the registry says.
DeclaredPrivate = Callable[[str, str, str], str | None]


@dataclass(frozen=True)
class PlannedUpload:
    location_key: str
    path: Path
    sha1: str
    name: str  # as people know it: the path in its data store


class PushMemory:
    """Ledger view for local → remote copies (source keys are local paths)."""

    def __init__(self, ledger: SyncLedger) -> None:
        self.ledger = ledger

    def known(self, source_key: str) -> str | None:
        return self.ledger.remote_url_for(source_key) if source_key.startswith("/api/") else None

    def remember(self, source_key: str, destination_url: str) -> None:
        if source_key.startswith("/api/"):
            self.ledger.record_link(source_key, destination_url)

    async def flush(self) -> None:
        await self.ledger.flush()
        checkpoint("between record batches")  # everything created so far is in the ledger


async def push(
    local: RegistryClient,
    remote: RegistryClient,
    roots: Sequence[str],
    ledger: SyncLedger,
    *,
    data_store_root: str | None = None,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    on_warning: WarningCallback | None = None,
    concurrency: int | None = None,  # files at once (None: the remote's `transfer_window`)
    declared_private: DeclaredPrivate | None = None,
) -> SyncReport:
    """Push the closure of `roots` (local record links); see the module docstring.
    `declared_private` names data products to withhold as private, too."""
    progress = Progress(on_progress, on_warning)
    requests_before = Counter(remote.requests)
    root_keys = [link_path(root) for root in roots]
    graph = RecordGraph()
    await GraphLoader(local, graph).load(root_keys)
    for path in hide_machine_paths(graph):  # never published: a path of this machine
        progress.warn(
            f"code repository {path} is a path on this machine: sent as `no-remote://none/`"
        )

    private = private_reasons(graph, declared_private)
    blocked = graph.dependents(private)
    pushable = [root for root in root_keys if root not in blocked]
    store_root = data_store_root or remote.root_url + "data/"
    uploads = _rewrite_local_storage(graph, blocked, store_root)
    keys = graph.closure(pushable) - blocked
    uploads = {k: u for k, u in uploads.items() if k in keys and ledger.remote_url_for(k) is None}
    _warn_withheld(graph, root_keys, pushable, keys, blocked, private, progress)

    report = SyncReport()
    if dry_run:
        known = sum(1 for key in keys if key.startswith("/api/") and ledger.remote_url_for(key))
        report.items = [
            ItemOutcome(
                label_of(graph, root),
                "planned" if root in pushable else "skipped",
                local_url=local.absolute(root),
                reason=f"{counted(len(uploads), 'file')} to upload, "
                f"{counted(len(keys) - known, 'record')} to check",
            )
            for root in root_keys
        ]
        return report

    progress.plan_files("upload", await _planned_files(uploads), items=len(pushable))
    failed_uploads = await _upload_all(remote, uploads, progress, concurrency)
    progress.end_phase()
    keys -= graph.dependents(failed_uploads)
    progress.start_records(len(keys), items=len(pushable))
    copier = GraphCopier(remote, PushMemory(ledger), on_record=progress.record_done)
    result = await copier.copy(graph, keys)
    progress.end_phase()

    report.records_created = result.created
    report.records_on_remote = sum(key.startswith("/api/") for key in result.mapped)
    report.records_patched = result.patched
    report.files_transferred = len(_by_content(uploads)) - len(
        {uploads[key].sha1 for key in failed_uploads}
    )
    report.bytes_transferred = progress.bytes
    failures = {**result.failed, **failed_uploads}
    for root in root_keys:
        report.items.append(
            _outcome(graph, root, blocked, private, result.mapped, failures, ledger, local)
        )
    await ledger.flush()
    report.remote_requests = dict(Counter(remote.requests) - requests_before)
    return report


def private_reasons(graph: RecordGraph, declared: DeclaredPrivate | None = None) -> dict[str, str]:
    """The private data in the graph (key → why): files push would upload that say `public:
    false`, objects marked `accessibility=private`, and the objects of data products `declared`
    private. A `public: false` location that is no local file (a code repository: a git remote
    and commit, as rDataPipeline registers it) is metadata. `info` shows privacy by this same
    rule."""
    reasons: dict[str, str] = {}
    for node in graph.nodes.values():
        record = node.record
        if node.type == "data_product" and declared is not None and record.get("object") in graph:
            namespace = graph.nodes.get(record.get("namespace") or "")
            why = declared(
                str(namespace.record.get("name")) if namespace else "",
                str(record.get("name")),
                str(record.get("version")),
            )
            if why is not None:
                reasons[record["object"]] = f"{label_of(graph, node.key)} is {why}"
        if (
            node.type == "storage_location"
            and record.get("public") is False
            and _local_file(graph, node) is not None
        ):
            reasons[node.key] = f"{label_of(graph, node.key)} is not public (public: false)"
        if (
            node.type == "key_value"
            and str(record.get("key", "")).lower() == "accessibility"
            and str(record.get("value", "")).lower() == "private"
            and record.get("object") in graph
        ):
            obj = record["object"]
            reasons[obj] = f"{label_of(graph, obj)} is marked accessibility=private"
    return reasons


def _local_file(graph: RecordGraph, location: Node) -> Path | None:
    """The local file a storage location points at (under a local storage root), if any."""
    storage_root = graph.nodes.get(location.record.get("storage_root") or "")
    if storage_root is None:
        return None
    return local_path(location_url(str(storage_root.record["root"]), location.record["path"]))


def _rewrite_local_storage(
    graph: RecordGraph, blocked: set[str], store_root: str
) -> dict[str, PlannedUpload]:
    """Point local files at the remote data store (path = SHA-1); the files to upload."""
    graph.add(Node(REMOTE_ROOT_KEY, "storage_root", {"root": store_root, "local": False}))
    uploads: dict[str, PlannedUpload] = {}
    for node in list(graph.nodes.values()):
        if node.type != "storage_location" or node.key in blocked:
            continue
        path = _local_file(graph, node)
        if path is None:
            continue
        sha1 = str(node.record["hash"])
        uploads[node.key] = PlannedUpload(node.key, path, sha1, str(node.record["path"]))
        node.record = {
            "path": sha1,
            "hash": sha1,
            "public": True,
            "storage_root": REMOTE_ROOT_KEY,
        }
    return uploads


async def _upload_all(
    remote: RegistryClient,
    uploads: dict[str, PlannedUpload],
    progress: Progress,
    concurrency: int | None,
) -> dict[str, str]:
    """Upload every planned file, each content once (locations sharing a SHA-1, as a registered
    file's original and its data store copy do, share its upload); the storage locations whose
    upload failed, with the reason. The first file goes alone; once the registry has answered
    (and so said whether it is fdp's), the others go `concurrency` at once (by default the
    remote's window: wide for fdp's registries), and against an fdp registry their upload slots
    are asked for in bulk."""
    limit = asyncio.Semaphore(1)
    failed: dict[str, str] = {}
    slots: dict[str, str | None] = {}

    async def send(sharing: list[str], limit: asyncio.Semaphore) -> None:
        planned = _present(uploads[key] for key in sharing)
        async with limit:
            checkpoint("between files")
            try:
                transfer = upload(
                    remote,
                    planned.path,
                    planned.sha1,
                    lambda n: progress.add_bytes(planned.name, n),
                    slot=slots.get(planned.sha1, NOT_ASKED),
                )
                sent = await abortable(transfer, "while uploading a file")
            except FdpError as error:
                reason = f"upload of {planned.path} failed: {error.message}"
                failed.update(dict.fromkeys(sharing, reason))
                progress.file_done(planned.name, "failed")
                progress.warn(reason)
                return
        progress.file_done(planned.name, "uploaded" if sent else "present")

    groups = list(_by_content(uploads).values())
    if not groups:
        return failed
    first = asyncio.ensure_future(send(groups[0], limit))
    rest = groups[1:]
    try:
        if rest:
            answered = asyncio.ensure_future(remote.first_answer())
            await asyncio.wait([first, answered], return_when=asyncio.FIRST_COMPLETED)
            answered.cancel()
            if remote.offers_bulk:
                slots.update(await _bulk_slots(remote, [uploads[keys[0]].sha1 for keys in rest]))
    except BaseException:
        first.cancel()
        raise
    limit = asyncio.Semaphore(concurrency or remote.transfer_window)
    batches: list[list[list[str]]] = []
    if remote.offers_bulk_files and slots:
        batches, rest = await asyncio.to_thread(_small_batches, remote, uploads, rest, slots)

    async def send_batch(batch: list[list[str]]) -> None:
        """Small files in one request; those it did not keep go one by one (which says why)."""
        firsts = [_present(uploads[key] for key in sharing) for sharing in batch]
        answers: list[tuple[int, str]] | None = None
        async with limit:
            checkpoint("between files")
            try:
                contents = await asyncio.to_thread(lambda: [up.path.read_bytes() for up in firsts])
                work = remote.bulk_upload(
                    [(str(slots[up.sha1]), data) for up, data in zip(firsts, contents, strict=True)]
                )
                answers = await abortable(work, "while uploading files")
            except (FdpError, OSError) as error:
                log.info("small files in bulk failed (%s); sending them one by one", error)
        again = []
        for sharing, planned, (status, _) in zip(batch, firsts, answers or [], strict=False):
            if status not in (200, 201):
                again.append(sharing)
                continue
            progress.add_bytes(planned.name, _size_of(planned.path) or 0)
            progress.file_done(planned.name, "uploaded" if status == 201 else "present")
        if answers is None:
            again = batch
        await gather_to_the_end(*(send(keys, limit) for keys in again))

    await gather_to_the_end(
        first, *(send(keys, limit) for keys in rest), *(send_batch(batch) for batch in batches)
    )
    return failed


def _small_batches(
    remote: RegistryClient,
    uploads: dict[str, PlannedUpload],
    groups: list[list[str]],
    slots: dict[str, str | None],
) -> tuple[list[list[list[str]]], list[list[str]]]:
    """The groups whose file is small and whose slot is the remote's folder store, in batches
    for `POST /fdp/bulk/files` (bounded in files and bytes); the other groups."""
    batches: list[list[list[str]]] = []
    others: list[list[str]] = []
    batch: list[list[str]] = []
    size_of_batch = 0
    for sharing in groups:
        planned = _present(uploads[key] for key in sharing)
        slot = slots.get(planned.sha1)
        size = _size_of(planned.path)
        if slot is None or remote.bulk_upload_slot(slot) is None or size is None:
            others.append(sharing)
            continue
        if size > MAX_FILE_BYTES:
            others.append(sharing)
            continue
        if len(batch) == MAX_FILES or size_of_batch + size > MAX_FILES_BYTES:
            batches.append(batch)
            batch, size_of_batch = [], 0
        batch.append(sharing)
        size_of_batch += size
    if batch:
        batches.append(batch)
    return batches, others


async def _bulk_slots(remote: RegistryClient, sha1s: list[str]) -> dict[str, str | None]:
    """Upload slots asked for in bulk (nothing if the remote turns out to have no such route,
    or fails to answer: each upload then asks for its own)."""
    slots: dict[str, str | None] = {}
    try:
        for start in range(0, len(sha1s), BULK_SLOTS):
            asked = await remote.bulk_upload_slots(sha1s[start : start + BULK_SLOTS])
            if asked is None:
                return {}
            slots.update(asked)
        return slots
    except FdpError as error:
        log.info("upload slots in bulk failed (%s); asking file by file", error.message)
        return {}


def _present(candidates: Iterable[PlannedUpload]) -> PlannedUpload:
    """The first of files of one content that is in place (else the first: its upload says
    it is missing)."""
    files = list(candidates)
    return next((planned for planned in files if planned.path.is_file()), files[0])


def _by_content(uploads: dict[str, PlannedUpload]) -> dict[str, list[str]]:
    """The storage locations to upload, grouped by SHA-1 (the first one's file is sent)."""
    groups: dict[str, list[str]] = {}
    for key, planned in uploads.items():
        groups.setdefault(planned.sha1, []).append(key)
    return groups


async def _planned_files(uploads: dict[str, PlannedUpload]) -> list[PlannedTransfer]:
    """The upload plan: each content once with its size (None if its file is missing: its
    upload says so)."""

    def sizes() -> list[PlannedTransfer]:
        firsts = [_present(uploads[k] for k in keys) for keys in _by_content(uploads).values()]
        return [PlannedTransfer(up.name, _size_of(up.path)) for up in firsts]

    return await asyncio.to_thread(sizes)


def _size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _warn_withheld(
    graph: RecordGraph,
    roots: list[str],
    pushable: list[str],
    keys: set[str],
    blocked: set[str],
    private: dict[str, str],
    progress: Progress,
) -> None:
    for root in roots:
        if root not in pushable:
            progress.warn(f"{label_of(graph, root)} not pushed: {_why(graph, root, private)}")
    withheld = (graph.closure(pushable) & blocked) - keys - set(roots)
    for key in sorted(withheld):
        if key in private:
            progress.warn(f"withheld {label_of(graph, key)}: {private[key]}")


def _why(graph: RecordGraph, root: str, private: dict[str, str]) -> str:
    for key in sorted(graph.closure([root])):
        if key in private:
            return f"it uses private data: {private[key]}"
    return "it depends on private data"


def _outcome(
    graph: RecordGraph,
    root: str,
    blocked: set[str],
    private: dict[str, str],
    mapped: dict[str, str],
    failures: dict[str, str],
    ledger: SyncLedger,
    local: RegistryClient,
) -> ItemOutcome:
    label, local_url = label_of(graph, root), local.absolute(root)
    if root in blocked:
        return ItemOutcome(label, "skipped", local_url=local_url, reason=_why(graph, root, private))
    closure = graph.closure([root]) - blocked
    missing = sorted(key for key in closure if key not in mapped)
    if root not in mapped or missing:
        reason = next((failures[k] for k in [root, *missing] if k in failures), "not copied")
        return ItemOutcome(label, "failed", local_url=local_url, reason=reason)
    ledger.mark_pushed(root, mapped[root])
    return ItemOutcome(label, "pushed", local_url=local_url, remote_url=mapped[root])
