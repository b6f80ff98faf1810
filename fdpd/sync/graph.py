"""The closure of records to move, loaded from a source registry, and its dependency order.

Nodes are keyed by the source record's path (`/api/<type>/<id>/`) or, for records the engine
makes up (a rewritten storage root), by a `synthetic:` key. Link fields inside node records hold
such keys, so the graph never compares hosts.
"""

from __future__ import annotations

import asyncio
import graphlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fdpd.base.reachability import reachable
from fdpd.remote.client import Record, RegistryClient
from fdpd.remote.errors import RemoteError, RemoteNotFound
from fdpd.remote.links import link_path, parse_link
from fdpd.sync.schema import TYPES, UNLISTED_OBJECT_CHILDREN, TypeInfo


@dataclass
class Node:
    key: str
    type: str
    record: dict[str, Any]

    @property
    def info(self) -> TypeInfo:
        return TYPES[self.type]

    def links(self, fields: Iterable[str]) -> Iterator[str]:
        for name in fields:
            value = self.record.get(name)
            if isinstance(value, str) and value:
                yield value
            elif isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))


class RecordGraph:
    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        # object key → its unlisted children, rebuilt when nodes were added since (a closure
        # would otherwise scan every node for every object it meets).
        self._children: dict[str, list[str]] = {}
        self._children_of_size = -1

    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def __getitem__(self, key: str) -> Node:
        return self.nodes[key]

    def add(self, node: Node) -> None:
        self.nodes[node.key] = node
        self._children_of_size = -1

    def add_new(self, node: Node) -> None:
        """Add the node unless one with its key is there already."""
        if node.key not in self.nodes:
            self.add(node)

    def dependencies(self, key: str) -> list[str]:
        node = self.nodes[key]
        return [link for link in node.links(node.info.links) if link in self.nodes]

    def closure(self, roots: Iterable[str]) -> set[str]:
        """Roots plus everything they depend on or relate to, transitively."""
        return reachable((root for root in roots if root in self.nodes), self._linked)

    def dependents(self, keys: Iterable[str]) -> set[str]:
        """The keys plus everything that depends on them, transitively."""
        reverse: dict[str, list[str]] = {}
        for key in self.nodes:
            for dep in self.dependencies(key):
                reverse.setdefault(dep, []).append(key)
        return reachable(keys, lambda key: reverse.get(key, ()))

    def batches(self, keys: set[str]) -> Iterator[list[str]]:
        """`keys` in dependency order: each batch depends only on earlier ones."""
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for key in keys:
            sorter.add(key, *(dep for dep in self.dependencies(key) if dep in keys))
        sorter.prepare()
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            yield ready
            sorter.done(*ready)

    def _linked(self, key: str) -> Iterator[str]:
        node = self.nodes[key]
        yield from (
            link for link in node.links(node.info.links + node.info.related) if link in self
        )
        yield from self._unlisted_children(key)

    def _unlisted_children(self, key: str) -> list[str]:
        if self.nodes[key].type != "object":
            return []
        if self._children_of_size != len(self.nodes):
            self._children = {}
            for node in self.nodes.values():
                parent = node.record.get("object")
                if node.type in UNLISTED_OBJECT_CHILDREN and isinstance(parent, str):
                    self._children.setdefault(parent, []).append(node.key)
            self._children_of_size = len(self.nodes)
        return self._children.get(key, [])


def normalise(record: Record) -> Node:
    """A source record as a node: its own path as key, every link reduced to its path."""
    ref = parse_link(record["url"])
    info = TYPES[ref.type]
    values = dict(record)
    for name in info.to_one + info.to_many + info.related:
        value = values.get(name)
        if isinstance(value, str) and value:
            values[name] = _path_or_none(value)
        elif isinstance(value, list):
            values[name] = [p for p in (_path_or_none(v) for v in value) if p is not None]
    return Node(ref.path, ref.type, values)


def _copyable(record: Record) -> bool:
    try:
        return parse_link(str(record.get("url", ""))).type in TYPES
    except ValueError:
        return False


def _path_or_none(link: str) -> str | None:
    try:
        ref = parse_link(link)
    except ValueError:
        return None
    return ref.path if ref.type in TYPES else None


class GraphLoader:
    """Fetches a closure from the source registry, each record once, in concurrent waves.

    Components and key_values of an object come from one list query each, instead of one GET
    per component. When a wave needs many records of one type and the source holds few more
    than that (`TypeLister`), the whole type is listed in pages of 1,000 instead.
    """

    def __init__(self, source: RegistryClient, graph: RecordGraph, concurrency: int = 8) -> None:
        self.source = source
        self.graph = graph
        self._limit = asyncio.Semaphore(concurrency)
        self._visited: set[str] = set()
        self._lister = TypeLister(source, self._limit)
        # object key → its children, for objects whose children came with a bulk closure
        self._children_known: dict[str, set[str]] = {}

    def seed(self, records: Iterable[Record]) -> None:
        """Records already fetched (e.g. by a list query): used instead of GETs."""
        for record in records:
            self.graph.add_new(normalise(record))

    async def load(self, roots: Iterable[str]) -> None:
        """Fetch the roots and everything they link to that is not loaded yet."""
        frontier = {parse_link(root).path for root in roots} - self._visited
        if frontier and self.source.offers_bulk:
            await self._load_in_bulk(sorted(frontier))
        while frontier:
            missing = [key for key in frontier if key not in self.graph]
            await self._fetch_all(missing)
            objects = [key for key in frontier if self.graph[key].type == "object"]
            children = await self._children_of_all(objects)
            expand = frontier.union(*children)
            self._visited |= expand
            frontier = set()
            for key in expand:
                node = self.graph[key]
                links = node.links(node.info.links + node.info.related)
                frontier.update(link for link in links if link not in self._visited)

    async def _load_in_bulk(self, roots: list[str]) -> None:
        """The whole closure in one (paged) request to an fdp registry (`POST /fdp/bulk/pull`);
        the waves of `load` then find every record in place. Nothing if the source has no such
        route after all: the waves fetch it all then."""
        child_types = ("object_component", *UNLISTED_OBJECT_CHILDREN)
        records = await self.source.bulk_closure(
            roots,
            follow={name: info.links + info.related for name, info in TYPES.items()},
            children={"object": child_types},
        )
        if records is None:
            return
        nodes = [normalise(record) for record in records if _copyable(record)]
        for node in nodes:
            self.graph.add_new(node)
            if node.type == "object":
                self._children_known.setdefault(node.key, set())
        for node in nodes:
            parent = node.record.get("object")
            if node.type in child_types and isinstance(parent, str):
                self._children_known.setdefault(parent, set()).add(node.key)

    async def _fetch_all(self, keys: list[str]) -> None:
        by_type: dict[str, list[str]] = {}
        for key in keys:
            by_type.setdefault(parse_link(key).type, []).append(key)
        await asyncio.gather(
            *(self._lister.prefetch(kind, len(wanted)) for kind, wanted in by_type.items())
        )
        for key in keys:
            listed = self._lister.record(key)
            if listed is not None:
                self.graph.add_new(normalise(listed))
        await asyncio.gather(*(self._fetch(key) for key in keys if key not in self.graph))

    async def _fetch(self, key: str) -> None:
        async with self._limit:
            record = await self.source.get(key)
        self.graph.add(normalise(record))

    async def _children_of_all(self, objects: list[str]) -> list[set[str]]:
        child_types = ("object_component", *UNLISTED_OBJECT_CHILDREN)
        known = [self._children_known[key] for key in objects if key in self._children_known]
        asked = [key for key in objects if key not in self._children_known]
        if asked:
            await asyncio.gather(*(self._lister.prefetch(kind, len(asked)) for kind in child_types))
        return known + await asyncio.gather(*(self._children_of(key, child_types) for key in asked))

    async def _children_of(self, object_key: str, child_types: tuple[str, ...]) -> set[str]:
        keys: set[str] = set()
        for child_type in child_types:
            rows = self._lister.children(child_type, object_key)
            if rows is None:
                async with self._limit:
                    object_id = parse_link(object_key).id
                    rows = await self.source.list_records(child_type, {"object": object_id})
            for row in rows:
                node = normalise(row)
                self.graph.add_new(node)
                keys.add(node.key)
        return keys


class TypeLister:
    """Whole-type listings of a source registry, made only where they are cheaper than fetching
    record by record: many records of the type are wanted, and the source holds at most
    `OVERFETCH` times as many (or one page's worth). A one-row page tells how many it holds."""

    MIN_WANTED = 16
    OVERFETCH = 4
    PAGE = 1000

    def __init__(self, source: RegistryClient, limit: asyncio.Semaphore) -> None:
        self.source = source
        self._limit = limit
        self._listed: dict[str, dict[str, Record]] = {}  # type → path → record
        self._by_object: dict[str, dict[str, list[Record]]] = {}  # type → object path → rows
        self._totals: dict[str, int | None] = {}  # type → records the source holds

    async def prefetch(self, record_type: str, wanted: int) -> None:
        """List `record_type` in full if that is cheaper than `wanted` single requests."""
        if record_type in self._listed or wanted < self.MIN_WANTED:
            return
        if record_type not in self._totals:
            async with self._limit:
                self._totals[record_type] = await self._count(record_type)
        total = self._totals[record_type]
        if total is None or total > max(self.OVERFETCH * wanted, self.PAGE):
            return
        async with self._limit:
            rows = await self.source.list_records(record_type, page_size=self.PAGE)
        self._listed[record_type] = {link_path(row["url"]): row for row in rows}
        grouped: dict[str, list[Record]] = {}
        for row in rows:
            parent = row.get("object")
            if isinstance(parent, str) and parent:
                grouped.setdefault(link_path(parent), []).append(row)
        self._by_object[record_type] = grouped

    def record(self, key: str) -> Record | None:
        return self._listed.get(parse_link(key).type, {}).get(key)

    def children(self, record_type: str, object_key: str) -> list[Record] | None:
        """The rows of `record_type` attached to the object, or None if the type was not listed."""
        grouped = self._by_object.get(record_type)
        return None if grouped is None else grouped.get(object_key, [])

    async def _count(self, record_type: str) -> int | None:
        """How many records of the type the source holds; None if it would not say."""
        try:
            return await self.source.count(record_type)
        except (RemoteError, RemoteNotFound):
            return None  # then record by record, as always


def label_of(graph: RecordGraph, key: str) -> str:
    """How a user recognises a record: `ns:name@version`, `code run <uuid>`, a file path…"""
    node = graph[key]
    record = node.record
    if node.type == "data_product":
        namespace = graph.nodes.get(record.get("namespace") or "")
        prefix = f"{namespace.record.get('name')}:" if namespace else ""
        return f"{prefix}{record.get('name')}@{record.get('version')}"
    if node.type == "code_run":
        return f"code run {record.get('uuid')}"
    if node.type == "object":
        return f"object {record.get('uuid')} ({record.get('description') or 'no description'})"
    if node.type == "storage_location":
        return f"file {record.get('path')}"
    return f"{node.type} {key}"
