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

from fdpd.reachability import reachable
from fdpd.remote.client import Record, RegistryClient
from fdpd.remote.links import parse_link
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

    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def __getitem__(self, key: str) -> Node:
        return self.nodes[key]

    def add(self, node: Node) -> None:
        self.nodes[node.key] = node

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

    def _unlisted_children(self, key: str) -> Iterator[str]:
        if self.nodes[key].type != "object":
            return
        for node in self.nodes.values():
            if node.type in UNLISTED_OBJECT_CHILDREN and node.record.get("object") == key:
                yield node.key


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


def _path_or_none(link: str) -> str | None:
    try:
        ref = parse_link(link)
    except ValueError:
        return None
    return ref.path if ref.type in TYPES else None


class GraphLoader:
    """Fetches a closure from the source registry, each record once, in concurrent waves.

    Components and key_values of an object come from one list query each, instead of one GET
    per component.
    """

    def __init__(self, source: RegistryClient, graph: RecordGraph, concurrency: int = 8) -> None:
        self.source = source
        self.graph = graph
        self._limit = asyncio.Semaphore(concurrency)
        self._visited: set[str] = set()

    def seed(self, records: Iterable[Record]) -> None:
        """Records already fetched (e.g. by a list query): used instead of GETs."""
        for record in records:
            node = normalise(record)
            self.graph.nodes.setdefault(node.key, node)

    async def load(self, roots: Iterable[str]) -> None:
        """Fetch the roots and everything they link to that is not loaded yet."""
        frontier = {parse_link(root).path for root in roots} - self._visited
        while frontier:
            missing = [key for key in frontier if key not in self.graph]
            await asyncio.gather(*(self._fetch(key) for key in missing))
            objects = [key for key in frontier if self.graph[key].type == "object"]
            children = await asyncio.gather(*(self._fetch_children(key) for key in objects))
            expand = frontier.union(*children)
            self._visited |= expand
            frontier = set()
            for key in expand:
                node = self.graph[key]
                links = node.links(node.info.links + node.info.related)
                frontier.update(link for link in links if link not in self._visited)

    async def _fetch(self, key: str) -> None:
        async with self._limit:
            record = await self.source.get(key)
        self.graph.add(normalise(record))

    async def _fetch_children(self, object_key: str) -> set[str]:
        object_id = parse_link(object_key).id
        keys: set[str] = set()
        for child_type in ("object_component", *UNLISTED_OBJECT_CHILDREN):
            async with self._limit:
                rows = await self.source.list_records(child_type, {"object": object_id})
            for row in rows:
                node = normalise(row)
                self.graph.nodes.setdefault(node.key, node)
                keys.add(node.key)
        return keys


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
