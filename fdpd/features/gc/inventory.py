"""The whole local registry in memory: who refers to whom, object units, closures.

Removal needs the reverse view (which records refer to this one?), which only the whole
registry answers; the local registry lists each type in pages of 1,000, so reading it all costs
one request per type per 1,000 records.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from fdpd.base.reachability import reachable
from fdpd.remote.client import RegistryClient
from fdpd.sync.graph import Node, normalise
from fdpd.sync.schema import TYPES

# Shared vocabulary: cheap, used by whatever runs next, never removed by gc or delete.
VOCABULARY = frozenset({"namespace", "author", "file_type", "storage_root"})
# Records that belong to one object (by their `object` link) and go or stay with it.
OBJECT_PARTS = (
    "object_component",
    "data_product",
    "key_value",
    "keyword",
    "licence",
    "code_repo_release",
    "quality_controlled",
)


@dataclass
class Inventory:
    nodes: dict[str, Node] = field(default_factory=dict)
    referrers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    parts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # object → parts

    def add(self, node: Node) -> None:
        self.nodes[node.key] = node

    def index(self) -> None:
        """Build the reverse references and object units (after every node is added)."""
        for node in self.nodes.values():
            for target in self.references(node.key):
                self.referrers[target].add(node.key)
            owner = node.record.get("object") if node.type in OBJECT_PARTS else None
            if isinstance(owner, str):
                self.parts[owner].add(node.key)
            if node.type == "external_object":
                product = self.nodes.get(str(node.record.get("data_product")))
                if product is not None:
                    self.parts[str(product.record.get("object"))].add(node.key)

    def references(self, key: str) -> Iterator[str]:
        """What a record refers to, as the registry counts it (links and sets it owns)."""
        node = self.nodes[key]
        names = node.info.links + (("issues",) if node.type == "object_component" else ())
        yield from (link for link in node.links(names) if link in self.nodes)

    def object_of(self, key: str) -> str | None:
        """The object whose unit `key` belongs to (itself for an object), if any."""
        node = self.nodes[key]
        if node.type == "object":
            return key
        if node.type in OBJECT_PARTS:
            owner = node.record.get("object")
            return owner if isinstance(owner, str) and owner in self.nodes else None
        if node.type == "external_object":
            product = self.nodes.get(str(node.record.get("data_product")))
            return self.object_of(product.key) if product is not None else None
        return None

    def unit(self, key: str) -> set[str]:
        """`key` with everything that goes or stays with it: an object and its parts."""
        owner = self.object_of(key)
        if owner is None:
            return {key}
        return {owner, *self.parts.get(owner, ())}

    def closure(self, roots: Iterable[str]) -> set[str]:
        """Roots and everything they depend on or relate to, transitively."""
        return reachable((root for root in roots if root in self.nodes), self._linked)

    def _linked(self, key: str) -> list[str]:
        node = self.nodes[key]
        linked = [*node.links(node.info.links + node.info.related)]
        if node.type == "object":
            linked += self.parts.get(key, ())
        return [link for link in linked if link in self.nodes]

    def of_type(self, kind: str) -> list[Node]:
        return [node for node in self.nodes.values() if node.type == kind]


async def read_inventory(local: RegistryClient) -> Inventory:
    """Every record of every type fdp syncs, from the local registry."""
    inventory = Inventory()
    listings = await asyncio.gather(*(local.list_records(kind) for kind in TYPES))
    for rows in listings:
        for record in rows:
            inventory.add(normalise(record))
    inventory.index()
    return inventory
