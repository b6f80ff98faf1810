"""Pull: copy data products (records and files) from a remote registry into the local one.

Files come first, each streamed to `<data store>/<namespace>/<name>/<version>.<ext>` and kept
only if its SHA-1 matches; a product whose file fails gets no records at all. A file whose
content a local storage location already names (the local registry keeps one location per
hash, and the copy maps to it) is not written again: that location's file serves it. The
remote's names are untrusted: a product whose path would leave the data store
(`fdpd.store.containment`) or whose file the remote names on this machine is refused, with why;
the others go on. Then the records of the products that succeeded are copied, their storage
rewritten to the local data store.

A cancelled pull (`fdpd.base.cancellation`) stops between files (a download under way is
abandoned and its temporary file removed) or between record batches; files already verified stay
in place and the ledger holds every record copied, so the next pull fetches and creates only the
rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fdpd.base.atomic import store_write_error
from fdpd.base.cancellation import abortable, checkpoint, gather_to_the_end
from fdpd.base.errors import FdpError
from fdpd.base.escaping import escaped
from fdpd.base.hashing import sha1_bytes
from fdpd.remote.client import DEFAULT_PAGE_SIZE, RegistryClient
from fdpd.remote.links import link_path, parse_link
from fdpd.store.batch import write_batch
from fdpd.store.containment import UnsafePath, contained_path, shown, store_file_path
from fdpd.store.framing import MAX_FILES
from fdpd.store.locations import location_url
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
from fdpd.sync.resolve import ProductRef, RemoteProduct, locate_products
from fdpd.sync.transfers import (
    HashMismatch,
    LocalSourceRefused,
    fetch_once,
    file_matches,
    require_remote_source,
)

LOCAL_ROOT_KEY = "synthetic:storage_root:local-data-store"
BULK_FILES_PER_REQUEST = MAX_FILES
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedFile:
    location_key: str
    source: str
    destination: Path
    relative_path: str
    sha1: str


class PullMemory:
    """Ledger view for remote → local copies (source keys are remote paths)."""

    def __init__(self, ledger: SyncLedger, remote: RegistryClient, local: RegistryClient):
        self.ledger, self.remote, self.local = ledger, remote, local

    def known(self, source_key: str) -> str | None:
        if not source_key.startswith("/api/"):
            return None
        local_path = self.ledger.local_path_for(self.remote.absolute(source_key))
        return self.local.absolute(local_path) if local_path else None

    def remember(self, source_key: str, destination_url: str) -> None:
        if source_key.startswith("/api/"):
            self.ledger.record_link(link_path(destination_url), self.remote.absolute(source_key))

    async def flush(self) -> None:
        await self.ledger.flush()
        checkpoint("between record batches")  # everything copied so far is in the ledger


async def pull(
    remote: RegistryClient,
    local: RegistryClient,
    products: Sequence[RemoteProduct | ProductRef],
    ledger: SyncLedger,
    data_store: Path,
    *,
    with_provenance: bool = False,
    on_progress: ProgressCallback | None = None,
    on_warning: WarningCallback | None = None,
    concurrency: int | None = None,  # files at once (None: the remote's `transfer_window`)
) -> SyncReport:
    """Copy `products` (and with_provenance, the runs that made them) into the local registry."""
    progress = Progress(on_progress, on_warning)
    requests_before = Counter(remote.requests)
    resolved = await _resolved(remote, products)
    graph = RecordGraph()
    loader = GraphLoader(remote, graph)
    loader.seed(p.record for p in resolved)
    loader.seed(p.namespace_record for p in resolved)
    roots = [link_path(p.record["url"]) for p in resolved]
    await loader.load(roots)
    run_roots = _producing_runs(graph, roots) if with_provenance else []
    await loader.load(run_roots)

    files, refused = _plan_files(graph, roots, data_store)
    for reason in refused.values():
        progress.warn(f"not pulled: {reason}")
    progress.plan_files("download", await _planned_transfers(files), items=len(roots))
    failed, downloaded = await _download_all(
        remote, LocalCopies(local, data_store, graph), files, progress, concurrency
    )
    progress.end_phase()
    _rewrite_to_local_store(graph, files, failed, data_store)
    failed.update(refused)
    ok_roots = [root for root in roots if root not in failed]
    blocked = {files[root].location_key for root in failed if root in files}
    keys = graph.closure(ok_roots + run_roots) - graph.dependents(
        blocked | _blocked_locations(graph, refused)
    )
    progress.start_records(len(keys), items=len(ok_roots) + len(run_roots))
    copier = GraphCopier(local, PullMemory(ledger, remote, local), on_record=progress.record_done)
    result = await copier.copy(graph, keys)
    progress.end_phase()

    report = SyncReport(
        records_created=result.created,
        records_patched=result.patched,
        files_transferred=downloaded,
        bytes_transferred=progress.bytes,
    )
    for root in roots:
        report.items.append(
            _outcome(graph, root, failed, result.mapped, result.failed, ledger, remote)
        )
    await ledger.flush()
    for run in run_roots:
        if run not in result.mapped:
            progress.warn(f"{label_of(graph, run)} was not copied: {result.failed.get(run, '')}")
    report.remote_requests = dict(Counter(remote.requests) - requests_before)
    return report


async def _resolved(
    remote: RegistryClient, products: Sequence[RemoteProduct | ProductRef]
) -> list[RemoteProduct]:
    ready = [p for p in products if isinstance(p, RemoteProduct)]
    refs = [p for p in products if isinstance(p, ProductRef)]
    return ready + (await locate_products(remote, refs) if refs else [])


def _producing_runs(graph: RecordGraph, roots: list[str]) -> list[str]:
    """Code runs that output a component of a pulled product's object.

    Components list the runs that output them (`outputs_of`), so this costs no request.
    """
    objects = {graph[root].record.get("object") for root in roots}
    runs: set[str] = set()
    for node in list(graph.nodes.values()):
        if node.type == "object_component" and node.record.get("object") in objects:
            runs.update(link_path(link) for link in node.record.get("outputs_of") or [])
    return sorted(runs)


def _plan_files(
    graph: RecordGraph, roots: list[str], data_store: Path
) -> tuple[dict[str, PlannedFile], dict[str, str]]:
    """The file each product brings, and the products refused (with why): a path leaving the
    data store, or a file the remote names on this machine."""
    files: dict[str, PlannedFile] = {}
    refused: dict[str, str] = {}
    for root in roots:
        try:
            planned = _planned_file(graph, root, data_store)
        except (UnsafePath, LocalSourceRefused) as error:
            refused[root] = _refusal(graph, root, error)
            continue
        if planned is not None:
            files[root] = planned
    return files, refused


def _planned_file(graph: RecordGraph, root: str, data_store: Path) -> PlannedFile | None:
    product = graph[root].record
    obj = graph.nodes.get(product.get("object") or "")
    location = graph.nodes.get(obj.record.get("storage_location") or "") if obj else None
    storage_root = graph.nodes.get(location.record.get("storage_root") or "") if location else None
    if obj is None or location is None or storage_root is None:
        return None
    namespace = graph.nodes.get(product.get("namespace") or "")
    destination, relative = store_file_path(
        data_store,
        namespace.record.get("name") if namespace else "unknown",
        product.get("name"),
        product.get("version"),
        _extension(graph, obj, location),
    )
    source = location_url(str(storage_root.record["root"]), str(location.record["path"]))
    require_remote_source(source)
    return PlannedFile(
        location_key=location.key,
        source=source,
        destination=destination,
        relative_path=relative,
        sha1=str(location.record["hash"]),
    )


def _extension(graph: RecordGraph, obj: Node, location: Node) -> str:
    file_type = graph.nodes.get(obj.record.get("file_type") or "")
    if file_type is not None and file_type.record.get("extension"):
        return str(file_type.record["extension"])
    return PurePosixPath(str(location.record.get("path", ""))).suffix.removeprefix(".")


def _refusal(graph: RecordGraph, root: str, error: FdpError) -> str:
    reason = f"data product {shown(label_of(graph, root))}: {error.message}"
    if isinstance(error, UnsafePath):
        reason += " (refused: it would leave the data store)"
    return reason


def _blocked_locations(graph: RecordGraph, roots: Iterable[str]) -> set[str]:
    """Storage locations of refused products, so no record copy brings them in another way."""
    keys = set()
    for root in roots:
        obj = graph.nodes.get(graph[root].record.get("object") or "")
        if obj is not None and obj.record.get("storage_location"):
            keys.add(str(obj.record["storage_location"]))
    return keys


class LocalCopies:
    """Where the local data store already holds a planned file: the file of the local storage
    location the copy will map to (same root, hash and public flag), if there is one.

    Asked for many files (`expect`), it reads the local root's locations once, in pages, when
    that takes fewer requests than a look-up per file (`count` says how many there are)."""

    def __init__(self, local: RegistryClient, data_store: Path, graph: RecordGraph) -> None:
        self.local, self.data_store, self.graph = local, data_store, graph
        self._root_id: asyncio.Task[int | None] | None = None
        self._expected = 0
        self._index: asyncio.Task[dict[tuple[str, bool], str] | None] | None = None

    def expect(self, files: int) -> None:
        """`files` will be asked for."""
        self._expected = files

    async def path_for(self, planned: PlannedFile) -> Path:
        """Where the planned file goes: the existing location's file, else its own place."""
        root_id = await self._root()
        if root_id is None:
            return planned.destination
        public = bool(self.graph[planned.location_key].record.get("public", True))
        if self._index is None:
            self._index = asyncio.ensure_future(self._read_index(root_id))
        index = await self._index
        if index is not None:
            found = index.get((planned.sha1, public))
            return planned.destination if found is None else contained_path(self.data_store, found)
        rows = await self.local.list_records(
            "storage_location", {"storage_root": root_id, "hash": planned.sha1, "public": public}
        )
        if not rows:
            return planned.destination
        return contained_path(self.data_store, str(rows[0]["path"]))

    async def _read_index(self, root_id: int) -> dict[tuple[str, bool], str] | None:
        """(hash, public) → path of the root's first such location, when reading them all costs
        fewer requests than the files expected; else None (a look-up per file)."""
        if self._expected < 2:
            return None
        total = await self.local.count("storage_location", {"storage_root": root_id})
        if total is None or -(-total // DEFAULT_PAGE_SIZE) >= self._expected:
            return None
        index: dict[tuple[str, bool], str] = {}
        rows = await self.local.list_records("storage_location", {"storage_root": root_id})
        for row in sorted(rows, key=lambda row: parse_link(str(row["url"])).id or 0):
            key = (str(row.get("hash")), bool(row.get("public", True)))
            index.setdefault(key, str(row.get("path")))
        return index

    async def _root(self) -> int | None:
        if self._root_id is None:
            self._root_id = asyncio.ensure_future(self._find_root())
        return await self._root_id

    async def _find_root(self) -> int | None:
        root = f"file://{self.data_store.absolute()}/"
        rows = await self.local.list_records("storage_root", {"root": root})
        found = [row for row in rows if row.get("root") == root]
        return parse_link(found[0]["url"]).id if found else None


async def _download_all(
    remote: RegistryClient,
    copies: LocalCopies,
    files: dict[str, PlannedFile],
    progress: Progress,
    concurrency: int | None,
) -> tuple[dict[str, str], int]:
    """Download the planned files not yet present: (failed products with reasons, downloads),
    `concurrency` at once (by default the remote's window: wide for fdp's registries, which
    have answered the closure's records by now)."""
    limit = asyncio.Semaphore(concurrency or remote.transfer_window)
    failed: dict[str, str] = {}
    downloaded: list[str] = []
    copies.expect(len(files))

    async def fetch(root: str, planned: PlannedFile) -> None:
        name = planned.relative_path
        async with limit:
            checkpoint("between files")
            try:
                contained_path(copies.data_store, planned.relative_path)  # a link made since
                if not await file_matches(planned.destination, planned.sha1):
                    target = await copies.path_for(planned)
                    transfer = fetch_once(
                        remote,
                        planned.source,
                        target,
                        planned.sha1,
                        lambda n: progress.add_bytes(name, n),
                        lambda size: progress.file_size(name, size),
                    )
                    if await abortable(transfer, "while downloading a file"):
                        downloaded.append(root)
            except FdpError as error:
                failed[root] = error.message
                progress.file_done(name, "failed")
                progress.warn(f"not pulled: {error.message}")
                return
        progress.file_done(name, "downloaded" if root in downloaded else "present")

    batches: list[dict[str, PlannedFile]] = []
    singles = files
    if remote.offers_bulk_files:
        batches, singles = _bulk_batches(remote, files)

    async def fetch_batch(batch: dict[str, PlannedFile]) -> None:
        """Small files of the remote's own data store in one request, written in one batch;
        those it did not answer go one by one (which says why)."""
        async with limit:
            checkpoint("between files")
            again, done = await _fetch_batch(remote, copies, batch, progress, failed)
        downloaded.extend(done)
        await gather_to_the_end(*(fetch(root, batch[root]) for root in again))

    await gather_to_the_end(
        *(fetch(root, planned) for root, planned in singles.items()),
        *(fetch_batch(batch) for batch in batches),
    )
    return failed, len(downloaded)


def _bulk_batches(
    remote: RegistryClient, files: dict[str, PlannedFile]
) -> tuple[list[dict[str, PlannedFile]], dict[str, PlannedFile]]:
    """The files of the remote's own data store in batches for `POST /fdp/bulk/download`; the
    others."""
    batches: list[dict[str, PlannedFile]] = [{}]
    others: dict[str, PlannedFile] = {}
    for root, planned in files.items():
        if remote.bulk_file_name(planned.source) is None:
            others[root] = planned
            continue
        if len(batches[-1]) == BULK_FILES_PER_REQUEST:
            batches.append({})
        batches[-1][root] = planned
    return [batch for batch in batches if batch], others


async def _fetch_batch(
    remote: RegistryClient,
    copies: LocalCopies,
    batch: dict[str, PlannedFile],
    progress: Progress,
    failed: dict[str, str],
) -> tuple[list[str], list[str]]:
    """Fetch `batch` in one request: (products to fetch one by one, products downloaded). Each
    file is kept only if its SHA-1 is its record's; the files kept are written at once
    (`write_batch`: each complete or not at all, all on disk before any record names them)."""
    wanted: dict[str, tuple[PlannedFile, Path]] = {}
    for root, planned in batch.items():
        try:
            contained_path(copies.data_store, planned.relative_path)  # a link made since
            if await file_matches(planned.destination, planned.sha1):
                progress.file_done(planned.relative_path, "present")
                continue
            wanted[root] = (planned, await copies.path_for(planned))
        except FdpError as error:
            _fail(root, planned, error.message, progress, failed)
    if not wanted:
        return [], []
    names = [str(remote.bulk_file_name(planned.source)) for planned, _ in wanted.values()]
    try:
        answers = await abortable(remote.bulk_download(names), "while downloading files")
    except FdpError as error:
        log.info("files in bulk failed (%s); fetching them one by one", error.message)
        answers = None
    if answers is None:
        return list(wanted), []
    again: list[str] = []
    keep: dict[Path, bytes] = {}
    kept: list[str] = []
    for (root, (planned, target)), (_status, content) in zip(wanted.items(), answers, strict=True):
        if content is None:
            again.append(root)  # its own GET says why, or fetches it (too big, kept elsewhere)
            continue
        received = sha1_bytes(content)
        if received != planned.sha1:
            message = HashMismatch.for_download(planned.source, received, planned.sha1).message
            _fail(root, planned, message, progress, failed)
            continue
        keep[target] = content
        kept.append(root)
    try:
        await asyncio.to_thread(write_batch, list(keep.items()))
    except OSError as error:
        target = next(iter(keep))
        message = store_write_error(target, error).message
        for root in kept:
            _fail(root, batch[root], message, progress, failed)
        return again, []
    for root in kept:
        name = batch[root].relative_path
        progress.file_size(name, len(keep[wanted[root][1]]))
        progress.add_bytes(name, len(keep[wanted[root][1]]))
        progress.file_done(name, "downloaded")
    return again, kept


def _fail(
    root: str, planned: PlannedFile, message: str, progress: Progress, failed: dict[str, str]
) -> None:
    failed[root] = message
    progress.file_done(planned.relative_path, "failed")
    progress.warn(f"not pulled: {message}")


async def _planned_transfers(files: dict[str, PlannedFile]) -> list[PlannedTransfer]:
    """The download plan: each file with its size where the file in place gives it (most likely
    the same: found so without downloading); the others' sizes come with their GET's
    `Content-Length`, never from a request of their own."""

    def sizes() -> list[PlannedTransfer]:
        return [
            PlannedTransfer(planned.relative_path, _size_in_place(planned.destination))
            for planned in files.values()
        ]

    return await asyncio.to_thread(sizes)


def _size_in_place(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def _rewrite_to_local_store(
    graph: RecordGraph, files: dict[str, PlannedFile], failed: dict[str, str], data_store: Path
) -> None:
    graph.add(
        Node(
            LOCAL_ROOT_KEY,
            "storage_root",
            {"root": f"file://{data_store.absolute()}/", "local": True},
        )
    )
    for root, planned in files.items():
        if root in failed:
            continue
        location = graph[planned.location_key]
        location.record = {
            "path": planned.relative_path,
            "hash": planned.sha1,
            "public": location.record.get("public", True),
            "storage_root": LOCAL_ROOT_KEY,
        }


def _outcome(
    graph: RecordGraph,
    root: str,
    failed_files: dict[str, str],
    mapped: dict[str, str],
    failed_records: dict[str, str],
    ledger: SyncLedger,
    remote: RegistryClient,
) -> ItemOutcome:
    label = escaped(label_of(graph, root))
    remote_url = remote.absolute(root)
    if root in failed_files:
        return ItemOutcome(label, "failed", remote_url=remote_url, reason=failed_files[root])
    missing = [key for key in graph.closure([root]) if key not in mapped]
    if root not in mapped or missing:
        reason = failed_records.get(root) or next(
            (failed_records[k] for k in missing if k in failed_records), "not copied"
        )
        return ItemOutcome(label, "failed", remote_url=remote_url, reason=reason)
    ledger.mark_pulled(link_path(mapped[root]), remote_url)
    return ItemOutcome(label, "pulled", local_url=mapped[root], remote_url=remote_url)
