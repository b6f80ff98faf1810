"""Copy a planned set of graph nodes into a destination registry, dependencies first.

For each record: reuse a copy the ledger already knows; otherwise find an existing one by natural
key (look-ups memoised, one list query per parent serving all its children, none at all under a
parent created in this operation) or create it. uuid-keyed types are created first and looked up
only on 409. Links are rewritten to destination URLs as the copy proceeds.

A data product the destination holds already at the same version is the same thing when its file
has the same SHA-1: its object maps to the destination's object (looked up before the object
would be created, so nothing is made twice; that object keeps its own authors) and the product to
the destination's product. With another SHA-1 it is a conflict that names both, raised before
anything is created for that product.

Against an fdp registry (`RegistryClient.offers_bulk`) the whole set goes first in one atomic
bulk request, links to records of the same request by reference (`_copy_at_once`), where no
record the checks below would judge is there already; the registry keeps all or nothing. When it
keeps nothing, the look-ups and creates of each batch go in bulk requests (`POST
/fdp/bulk/push`, `BulkBatcher`): the registry finds by the same look-up and natural key, creates
otherwise, and resolves a 409 by finding again; the checks below run on its
answers as on REST's.

A create answered with a 5xx may have landed, perhaps half made (the reference registry's creates
are not atomic), so it is looked up again before it is sent again. A record is mapped only when the
destination's copy carries every link that was sent: missing sets are added by PATCH where the
type has one, otherwise the record is reported incomplete and left unmapped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import Conflict
from fdpd.remote.client import FilterValue, Record, RegistryClient
from fdpd.remote.errors import RemoteRejected, RemoteServerError
from fdpd.remote.links import link_path, parse_link
from fdpd.sync.graph import Node, RecordGraph
from fdpd.sync.schema import TYPES, WHOLE_OBJECT, TypeInfo

NaturalKey = tuple[Any, ...]
# Pauses before a create that failed with a 5xx (and was not found) is sent again.
CREATE_RETRY_DELAYS = (0.2, 0.6, 1.5, 3.0)
BULK_CHUNK = 1000  # find-or-creates per bulk request
AT_ONCE_MAX = 5000  # records copied in one atomic bulk request (the registry's bound)
Waiting = tuple[dict[str, Any], "asyncio.Future[Record | None]"]  # a bulk item and its answer


class LinkMemory(Protocol):
    """Which destination record a source record was already copied to (by an earlier run)."""

    def known(self, source_key: str) -> str | None: ...

    def remember(self, source_key: str, destination_url: str) -> None: ...

    async def flush(self) -> None:
        """Make what was remembered so far durable."""
        ...


class SyncConflict(Conflict):
    code = ErrorCode.SYNC_CONFLICT


class IncompleteCopy(Conflict):
    """The destination holds the record without some links that were sent, and cannot add them."""

    code = ErrorCode.INCOMPLETE_ON_REMOTE


@dataclass
class CopyResult:
    mapped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    created: int = 0
    patched: int = 0


class GraphCopier:
    def __init__(
        self,
        destination: RegistryClient,
        memory: LinkMemory,
        *,
        concurrency: int = 8,
        on_record: Callable[[], None] | None = None,
    ) -> None:
        self.dest = destination
        self.memory = memory
        self.result = CopyResult()
        self._on_record = on_record
        self._limit = asyncio.Semaphore(concurrency)
        self._fresh: set[str] = set()
        self._index: dict[str, dict[NaturalKey, Record]] = {name: {} for name in TYPES}
        self._queries: dict[tuple[str, tuple[tuple[str, str], ...]], asyncio.Task[None]] = {}
        self._graph = RecordGraph()
        self._products_of: dict[str, list[Node]] = {}  # object key → its data products
        # destination object path → (its record, its file's SHA-1)
        self._objects: dict[str, asyncio.Task[tuple[Record, str | None]]] = {}
        self._batcher: BulkBatcher | None = None

    async def copy(self, graph: RecordGraph, keys: set[str]) -> CopyResult:
        self._graph = graph
        self._products_of = {}
        for node in graph.nodes.values():
            if node.type == "data_product" and node.record.get("object"):
                self._products_of.setdefault(str(node.record["object"]), []).append(node)
        if self.dest.offers_bulk and await self._copy_at_once(graph, keys):
            return self.result
        for batch in graph.batches(keys):
            if self.dest.offers_bulk:
                self._batcher = BulkBatcher(self.dest, len(batch))
            try:
                await asyncio.gather(*(self._copy_one(graph, key) for key in batch))
            finally:
                self._batcher = None
                await self.memory.flush()  # before anything that depends on this batch is sent
        return self.result

    async def _copy_at_once(self, graph: RecordGraph, keys: set[str]) -> bool:
        """Every record of `keys` in one atomic bulk request, links to records of the same
        request by reference; True if the registry kept them all. It keeps nothing (False: the
        level-by-level copy then, with its checks) when a record the checks here would have to
        judge is there already: a data product, an object, a run or an issue found, or any
        record found whose links are not all in its natural key."""
        order = [key for batch in graph.batches(keys) for key in batch]
        known = {key: url for key in order if (url := self.memory.known(key)) is not None}
        sent = [key for key in order if key not in known]
        if not sent or len(sent) > AT_ONCE_MAX or not self._whole_plan(graph, keys, sent):
            return False
        items = [self._at_once_item(graph[key], known) for key in sent]
        try:
            answers = await self.dest.bulk_push_atomic(items)
        except RemoteServerError:
            answers = None  # nothing kept: the copy level by level retries what failed
        if answers is None:
            return False
        for key, answer in zip(sent, answers, strict=True):
            record: Record = answer["record"]
            info = graph[key].info
            if answer["status"] == 201:
                self._fresh.add(link_path(str(record["url"])))
                self.result.created += 1
                self._index_created(info.name, record)
            else:  # found: its links are its natural key's, which the registry compared
                self._index[info.name].setdefault(natural_key(info, record), record)
            known[key] = str(record["url"])
        for key in order:
            self.memory.remember(key, known[key])
            self.result.mapped[key] = known[key]
            if self._on_record is not None:
                self._on_record()
        await self.memory.flush()
        return True

    def _whole_plan(self, graph: RecordGraph, keys: set[str], sent: list[str]) -> bool:
        """Whether the copy at once can stand for the copy level by level: every dependency is
        copied with it, and every data product of an object sent is sent too (its checks ride
        on the product's create)."""
        for key in sent:
            if any(dep not in keys for dep in graph.dependencies(key)):
                return False
            if any(product.key not in keys for product in self._products_of.get(key, [])):
                return False
        return True

    def _at_once_item(self, node: Node, known: Mapping[str, str]) -> dict[str, Any]:
        info = node.info

        def link(value: str) -> str | dict[str, str]:
            return known.get(value, {"ref": value})

        body: dict[str, Any] = {}
        for name in info.fields:
            if name not in node.record:
                continue
            value = node.record[name]
            if name in info.to_one:
                body[name] = link(value) if value else None
            elif name in info.to_many:
                body[name] = [link(one) for one in value]
            else:
                body[name] = value
        whole = node.type == "object_component" and bool(node.record.get("whole_object"))
        if whole:  # made with its object: found, never sent
            body = {"object": body["object"], "name": WHOLE_OBJECT}
        lookup: dict[str, Any] = {}
        parents = (info.lookup_parent,) if info.lookup_parent else ()
        for name in (*parents, *info.lookup_filters):
            given: Any = body.get(name)
            if isinstance(given, str) and name in parents:
                given = parse_link(given).id
            if given is not None:
                lookup[name] = given  # a reference stands for its record's id
        must_create = not _may_be_found(info)
        return {
            "type": info.name,
            "ref": node.key,
            "body": body,
            # a record that must be new is not looked for: its natural key is unique on fdp's
            # registry, so a copy there already is refused (409) and the request keeps nothing
            "find_first": not must_create,
            "find_only": whole,
            "must_create": must_create,
            "lookup": lookup,
            "key": {name: body.get(name) for name in info.key},
        }

    async def _copy_one(self, graph: RecordGraph, key: str) -> None:
        node = graph[key]
        blocked = [dep for dep in graph.dependencies(key) if dep not in self.result.mapped]
        if blocked:  # the dependency's own failure (batches run dependencies first) says why
            why = self.result.failed.get(blocked[0], f"needs {blocked[0]}, which was not copied")
            self.result.failed[key] = why
            return
        batcher = self._batcher
        try:
            # in bulk, every record of the batch must reach the batcher: the pool bounds requests
            async with self._limit if batcher is None else contextlib.nullcontext():
                url = await self._destination_of(node)
        except (RemoteRejected, SyncConflict, IncompleteCopy) as error:
            self.result.failed[key] = error.message
            return
        finally:
            if batcher is not None:
                batcher.finished()
        self.result.mapped[key] = url
        if self._on_record is not None:
            self._on_record()

    async def _destination_of(self, node: Node) -> str:
        known = self.memory.known(node.key)
        if known is not None:
            return known
        body = self._body(node)
        if node.type == "object_component" and node.record.get("whole_object"):
            url = await self._whole_object_component(body)
            self.memory.remember(node.key, url)
            return url
        same = await self._same_product_object(node) if node.type == "object" else None
        if same is not None:  # the remote's own object of the same file: its links are its own
            self.memory.remember(node.key, str(same["url"]))
            return str(same["url"])
        existing, created = await self._find_or_create(node.info, body)
        url = str(existing["url"])
        if created:
            self._fresh.add(link_path(url))
            self.result.created += 1
            self._index_created(node.type, existing)
        else:
            await self._check_same_thing(node, body, existing)
            existing = await self._complete_sets(node.info, body, existing)
        self._check_complete(node.info, body, existing)
        self.memory.remember(node.key, url)
        return url

    def _body(self, node: Node) -> dict[str, Any]:
        info, mapped = node.info, self.result.mapped
        body: dict[str, Any] = {}
        for name in info.fields:
            if name not in node.record:
                continue
            value = node.record[name]
            if name in info.to_one:
                body[name] = mapped[value] if value else None
            elif name in info.to_many:
                body[name] = [mapped[item] for item in value]
            else:
                body[name] = value
        return body

    async def _find_or_create(self, info: TypeInfo, body: dict[str, Any]) -> tuple[Record, bool]:
        if self._batcher is not None:
            found = await self._bulk_find_or_create(self._batcher, info, body)
            if found is not None:
                return found
        if not info.uuid_keyed:
            existing = await self._find(info, body)
            if existing is not None:
                return existing, False
        for delay in CREATE_RETRY_DELAYS:
            try:
                return await self._create(info, body)
            except RemoteServerError:
                await asyncio.sleep(delay)
            landed = await self._find(info, body, refresh=True)
            if landed is not None:
                return landed, False
        return await self._create(info, body)

    async def _bulk_find_or_create(
        self, batcher: BulkBatcher, info: TypeInfo, body: dict[str, Any]
    ) -> tuple[Record, bool] | None:
        """Found or created in the batch's bulk request (None: the destination has no bulk
        route after all: the REST path then). The registry finds by the same look-up and
        natural key as `_find`, and looks again after a 409."""
        key = natural_key(info, body)
        if not info.uuid_keyed and key in self._index[info.name]:
            return self._index[info.name][key], False
        answer = await batcher.find_or_create(_bulk_item(info, body, find_only=False))
        if answer is None:
            return None
        if answer["status"] == 201:
            return answer["record"], True
        found = self._found_in_bulk(info, answer)
        if found is None:
            raise self.dest.bulk_refusal(info.name, 404, answer.get("body"))
        return found, False

    def _found_in_bulk(self, info: TypeInfo, answer: Record) -> Record | None:
        """The record a bulk find answered (indexed), None if it found none; a refusal raised."""
        status = int(answer["status"])
        if status == 404:
            return None
        if status not in (200, 201):
            raise self.dest.bulk_refusal(info.name, status, answer.get("body"))
        record: Record = answer["record"]
        self._index[info.name].setdefault(natural_key(info, record), record)
        return record

    async def _create(self, info: TypeInfo, body: dict[str, Any]) -> tuple[Record, bool]:
        created = await self.dest.post(info.name, body)
        if created is not None:
            return created, True
        existing = await self._find(info, body, refresh=True)
        if existing is None:
            raise RemoteRejected(
                f"{self.dest.name} refused a {info.name} as a duplicate, but none matches "
                f"{_describe_key(info, body)}"
            )
        return existing, False

    async def _find(
        self, info: TypeInfo, body: Mapping[str, Any], *, refresh: bool = False
    ) -> Record | None:
        key = natural_key(info, body)
        if not refresh:
            if key in self._index[info.name]:
                return self._index[info.name][key]
            parent = body.get(info.lookup_parent) if info.lookup_parent else None
            if parent and link_path(parent) in self._fresh:
                return None  # a parent created just now has no other children yet
            if self._batcher is not None:
                answer = await self._batcher.find_or_create(_bulk_item(info, body, find_only=True))
                if answer is not None:
                    return self._found_in_bulk(info, answer)
        await self._run_query(info, _lookup_filters(info, body), refresh)
        return self._index[info.name].get(key)

    async def _run_query(
        self, info: TypeInfo, filters: dict[str, FilterValue], refresh: bool
    ) -> None:
        query_key = (info.name, tuple(sorted((k, str(v)) for k, v in filters.items())))
        if refresh or query_key not in self._queries:
            self._queries[query_key] = asyncio.ensure_future(self._query(info, filters))
        await self._queries[query_key]

    async def _query(self, info: TypeInfo, filters: dict[str, FilterValue]) -> None:
        for row in await self.dest.list_records(info.name, filters):
            self._index[info.name].setdefault(natural_key(info, row), row)

    def _index_created(self, record_type: str, record: Record) -> None:
        info = TYPES[record_type]
        self._index[record_type][natural_key(info, record)] = record
        if record_type == "object" and len(record.get("components") or []) == 1:
            whole = {"url": record["components"][0], "object": record["url"], "name": WHOLE_OBJECT}
            self._index["object_component"][natural_key(TYPES["object_component"], whole)] = whole

    async def _whole_object_component(self, body: dict[str, Any]) -> str:
        info = TYPES["object_component"]
        lookup = {"object": body["object"], "name": WHOLE_OBJECT}
        found = await self._find(info, lookup)
        if found is None:
            found = await self._find(info, lookup, refresh=True)
        if found is None:  # its object's create failed half way: make the component now
            whole = {**lookup, "whole_object": True}
            found, _ = await self._find_or_create(info, whole)
        return str(found["url"])

    async def _check_same_thing(
        self, node: Node, body: Mapping[str, Any], existing: Record
    ) -> None:
        """A data product found at its version must be this one: its object, or one whose file
        has the same SHA-1 (the same content, made twice); otherwise SyncConflict."""
        if node.type != "data_product":
            return
        if link_path(existing["object"]) == link_path(body["object"]):
            return
        here = self._local_hash(str(node.record.get("object")))
        _, there = await self._destination_object(str(existing["object"]))
        if here is None or here != there:
            raise self._conflict(node, existing, here, there)

    async def _same_product_object(self, node: Node) -> Record | None:
        """The destination's object of a data product of `node` that the destination holds at
        the same version with a file of the same SHA-1, if any. One it holds with another file
        is a conflict now, before anything is created for it."""
        here = self._local_hash(node.key)
        if here is None:
            return None
        for product in self._products_of.get(node.key, []):
            found = await self._destination_product(product)
            if found is None or not found.get("object"):
                continue
            obj, there = await self._destination_object(str(found["object"]))
            if there != here:
                raise self._conflict(product, found, here, there)
            # the same object (an earlier push of it): found by uuid, its links checked
            return None if obj.get("uuid") == node.record.get("uuid") else obj
        return None

    async def _destination_product(self, product: Node) -> Record | None:
        """The destination's data product at the same namespace, name and version, if any."""
        namespace = self._graph.nodes.get(str(product.record.get("namespace")))
        if namespace is None:
            return None
        found_namespace = await self._find(namespace.info, self._body(namespace))
        if found_namespace is None:
            return None
        return await self._find(
            product.info, {**product.record, "namespace": found_namespace["url"]}
        )

    def _conflict(
        self, product: Node, existing: Record, here: str | None, there: str | None
    ) -> SyncConflict:
        return SyncConflict(
            f"{self.dest.name} already has data product {self._label(product)} with different "
            f"content: its file there has SHA-1 {there or '(none)'} "
            f"({link_path(str(existing['url']))}), this one {here or '(none)'}",
            hint=(
                "versions are immutable: write this content under a new version (a bump token "
                "such as ${{PATCH}} picks the next free one), commit that and push it; this "
                "item stays committed"
            ),
        )

    def _local_hash(self, object_key: str) -> str | None:
        obj = self._graph.nodes.get(object_key)
        location = self._graph.nodes.get(str(obj.record.get("storage_location"))) if obj else None
        return str(location.record["hash"]) if location and location.record.get("hash") else None

    async def _destination_object(self, object_url: str) -> tuple[Record, str | None]:
        """A destination object and its file's SHA-1 (None without a file), fetched once."""
        path = link_path(object_url)
        if path not in self._objects:
            self._objects[path] = asyncio.ensure_future(self._fetch_object(path))
        return await self._objects[path]

    async def _fetch_object(self, object_path: str) -> tuple[Record, str | None]:
        obj = await self.dest.get(object_path)
        if not obj.get("storage_location"):
            return obj, None
        location = await self.dest.get(str(obj["storage_location"]))
        return obj, str(location["hash"]) if location.get("hash") else None

    def _label(self, node: Node) -> str:
        namespace = self._graph.nodes.get(str(node.record.get("namespace")))
        prefix = f"{namespace.record.get('name')}:" if namespace else ""
        return f"{prefix}{node.record.get('name')}@{node.record.get('version')}"

    async def _complete_sets(
        self, info: TypeInfo, body: Mapping[str, Any], existing: Record
    ) -> Record:
        """An existing run or issue missing some links (an interrupted writer): add the union.
        The record as the destination holds it afterwards."""
        patch: dict[str, list[str]] = {}
        for name in info.patchable_sets:
            have = {link_path(link) for link in existing.get(name) or []}
            want = {link_path(link) for link in body.get(name) or []}
            if not want <= have:
                patch[name] = sorted(have | want)
        if not patch:
            return existing
        patched = await self.dest.patch(existing["url"], patch)
        self.result.patched += 1
        return patched

    def _check_complete(self, info: TypeInfo, body: Mapping[str, Any], held: Record) -> None:
        """Every link sent is on the destination's copy, or IncompleteCopy names what is not."""
        missing = [name for name in info.links if _links_missing(body.get(name), held.get(name))]
        if missing:
            raise IncompleteCopy(
                f"on {self.dest.name} but incomplete: {info.name} {link_path(str(held['url']))} "
                f"has no {' or '.join(missing)} (a create failed half way there), and "
                f"{self.dest.label} cannot add them",
                hint=(
                    f"ask the administrator of {self.dest.label} to add the {', '.join(missing)} "
                    "or delete that record, then push again; the item stays committed"
                ),
            )


class BulkBatcher:
    """Gathers the find-or-creates of one batch of records into bulk requests: they are sent
    when every record of the batch still being copied waits for one (the others have ended,
    or wait for a request already sent), in chunks of BULK_CHUNK items."""

    def __init__(self, destination: RegistryClient, size: int) -> None:
        self._dest = destination
        self._unfinished = size
        self._waiting: list[Waiting] = []
        self._in_flight = 0
        self._sends: set[asyncio.Task[None]] = set()

    async def find_or_create(self, item: dict[str, Any]) -> Record | None:
        future: asyncio.Future[Record | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._maybe_send()
        return await future

    def finished(self) -> None:
        """A record of the batch is done (copied, failed or found without a request)."""
        self._unfinished -= 1
        self._maybe_send()

    def _maybe_send(self) -> None:
        if not self._waiting or len(self._waiting) + self._in_flight < self._unfinished:
            return
        waiting, self._waiting = self._waiting, []
        for start in range(0, len(waiting), BULK_CHUNK):
            chunk = waiting[start : start + BULK_CHUNK]
            self._in_flight += len(chunk)
            task = asyncio.ensure_future(self._send(chunk))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

    async def _send(
        self, chunk: list[tuple[dict[str, Any], asyncio.Future[Record | None]]]
    ) -> None:
        try:
            answers: Sequence[Record | None] | None = await self._dest.bulk_find_or_create(
                [item for item, _ in chunk]
            )
        except BaseException as error:  # the waiting records fail as their own request would
            self._in_flight -= len(chunk)
            for _, future in chunk:
                if not future.done():
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        self._in_flight -= len(chunk)
        for (_, future), answer in zip(chunk, answers or [None] * len(chunk), strict=True):
            if not future.done():
                future.set_result(answer)


def _may_be_found(info: TypeInfo) -> bool:
    """Whether a record of this type found on the destination (not created) needs no check
    beyond its natural key's: no data product (its same-content check), nothing with sets
    completed by PATCH, and every link it sends is part of its key."""
    return (
        info.name != "data_product" and not info.patchable_sets and set(info.links) <= set(info.key)
    )


def _links_missing(sent: Any, held: Any) -> bool:
    """Whether links `sent` (one link or a list) are absent from the record's `held` value."""
    if not sent:
        return False
    if isinstance(sent, str):
        return not held
    have = {link_path(link) for link in held or []}
    return not {link_path(link) for link in sent} <= have


def natural_key(info: TypeInfo, values: Mapping[str, Any]) -> NaturalKey:
    parts: list[Any] = []
    for name in info.key:
        value = values.get(name)
        if name in info.links and isinstance(value, str) and value:
            value = link_path(value)
        parts.append(value if value != "" else None)
    return tuple(parts)


def _lookup_filters(info: TypeInfo, body: Mapping[str, Any]) -> dict[str, FilterValue]:
    filters: dict[str, FilterValue] = {}
    if info.lookup_parent:
        filters[info.lookup_parent] = parse_link(body[info.lookup_parent]).id
    for name in info.lookup_filters:
        value = body.get(name)
        if value is not None:
            filters[name] = value
    return filters


def _bulk_item(info: TypeInfo, body: Mapping[str, Any], *, find_only: bool) -> dict[str, Any]:
    """A find-or-create (or, `find_only`, a find) for `POST /fdp/bulk/push`: the look-up and
    natural key the REST path would use."""
    return {
        "type": info.name,
        "body": {} if find_only else dict(body),
        "find_first": not info.uuid_keyed,
        "find_only": find_only,
        "lookup": _lookup_filters(info, body),
        "key": {name: body.get(name) for name in info.key},
    }


def _describe_key(info: TypeInfo, body: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={body.get(name)!r}" for name in info.key)
