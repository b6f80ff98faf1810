"""Ask a remote, now, whether it still holds what the journal says it holds.

Records are confirmed in batches where the API allows it: an object and all its components in one
`object_component?object=<id>` query (a component names its object, so the object exists), data
products by `namespace` and `name` (all versions at once); other records by one GET each. A
storage location must carry the same hash; a file gc deletes must also be served by the remote's
data store (`GET /data/<sha1>`, closed after the headers). Any failure to reach the remote stops
the check with the remote's error: gc then removes nothing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fdpd.features.gc.inventory import Inventory
from fdpd.remote.client import Record, RegistryClient
from fdpd.remote.errors import RemoteNotFound
from fdpd.remote.links import link_path, parse_link

_CONCURRENCY = 8
# Fields whose values must agree between the local record and its remote copy.
_SAME = {
    "storage_location": ("hash",),
    "data_product": ("name", "version"),
    "code_run": ("uuid",),
    "object": ("uuid",),
    "object_component": ("name",),
    "issue": ("uuid",),
}


@dataclass
class Confirmation:
    """What the remote holds, of the records and files asked about."""

    records: set[str] = field(default_factory=set)  # local paths confirmed on the remote
    files: set[str] = field(default_factory=set)  # local storage location paths, file served
    missing: dict[str, str] = field(default_factory=dict)  # local path → why not confirmed
    requests: dict[str, dict[str, int]] = field(default_factory=dict)  # remote → method → n


async def confirm(
    remote: RegistryClient,
    inventory: Inventory,
    remote_urls: dict[str, str],
    files: Iterable[str] = (),
) -> Confirmation:
    """Confirm each record (local path → its remote URL) and each file (by its location)."""
    checker = _Checker(remote, inventory, remote_urls)
    await checker.run(set(files))
    checker.result.requests[remote.name] = dict(remote.requests)
    return checker.result


class _Checker:
    def __init__(
        self, remote: RegistryClient, inventory: Inventory, remote_urls: dict[str, str]
    ) -> None:
        self.remote = remote
        self.inventory = inventory
        self.remote_urls = {path: link_path(url) for path, url in remote_urls.items()}
        self.limit = asyncio.Semaphore(_CONCURRENCY)
        self.result = Confirmation()
        self.remote_records: dict[str, Record] = {}  # remote path → record

    async def run(self, files: set[str]) -> None:
        by_type: dict[str, list[str]] = defaultdict(list)
        for path in self.remote_urls:
            by_type[self.inventory.nodes[path].type].append(path)
        objects = set(by_type.pop("object", []))
        for component in by_type.pop("object_component", []):
            owner = self.inventory.object_of(component)
            if owner is not None and owner in self.remote_urls:
                objects.add(owner)
            else:
                by_type["object_component"].append(component)
        products = by_type.pop("data_product", [])
        tasks: list[Awaitable[None]] = [self._object(path) for path in sorted(objects)]
        tasks += [self._products(group) for group in self._product_groups(products)]
        tasks += [self._get(path) for paths in by_type.values() for path in paths]
        await asyncio.gather(*tasks)
        for path in self.remote_urls:
            self._judge(path)
        await asyncio.gather(*(self._file(path) for path in sorted(files)))

    async def _object(self, local_object: str) -> None:
        remote_object = self.remote_urls[local_object]
        rows = await self._list("object_component", {"object": parse_link(remote_object).id})
        if rows:  # its components name it: the object exists
            self.remote_records.setdefault(remote_object, {})

    def _product_groups(self, products: list[str]) -> list[tuple[list[str], dict[str, Any]]]:
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        singles: list[tuple[list[str], dict[str, Any]]] = []
        for path in products:
            record = self.inventory.nodes[path].record
            namespace = self.remote_urls.get(str(record.get("namespace")))
            if namespace is None:
                singles.append(([path], {}))
            else:
                groups[(namespace, str(record.get("name")))].append(path)
        batched = [
            (paths, {"namespace": parse_link(namespace).id, "name": name})
            for (namespace, name), paths in groups.items()
        ]
        return batched + singles

    async def _products(self, group: tuple[list[str], dict[str, Any]]) -> None:
        paths, filters = group
        if not filters:
            await self._get(paths[0])
            return
        await self._list("data_product", filters)

    async def _list(self, kind: str, filters: dict[str, Any]) -> list[Record]:
        async with self.limit:
            rows = await self.remote.list_records(kind, filters)
        for row in rows:
            self.remote_records[link_path(row["url"])] = row
        return rows

    async def _get(self, local_path: str) -> None:
        remote_path = self.remote_urls[local_path]
        try:
            async with self.limit:
                record = await self.remote.get(remote_path)
        except RemoteNotFound:
            return
        self.remote_records[remote_path] = record

    def _judge(self, local_path: str) -> None:
        remote_path = self.remote_urls[local_path]
        record = self.remote_records.get(remote_path)
        if record is None:
            self.result.missing[local_path] = f"not on remote {self.remote.name} any more"
            return
        local = self.inventory.nodes[local_path].record
        for name in _SAME.get(self.inventory.nodes[local_path].type, ()):
            if name in record and record.get(name) != local.get(name):
                self.result.missing[local_path] = (
                    f"remote {self.remote.name} holds a different {name} at {remote_path}"
                )
                return
        self.result.records.add(local_path)

    async def _file(self, local_location: str) -> None:
        """The remote serves the file of a confirmed location uploaded to its data store."""
        if local_location not in self.result.records:
            return
        remote_location = self.remote_records[self.remote_urls[local_location]]
        root_link = remote_location.get("storage_root")
        root = await self._root(str(root_link)) if root_link else None
        if root is None:
            self.result.missing[local_location] = "the remote's storage root is unknown"
            return
        where = str(root.get("root", "")) + str(remote_location.get("path", "")).lstrip("/")
        if not self.remote.is_own_url(where):
            self.result.files.add(local_location)  # stored elsewhere: the hash is the evidence
            return
        try:
            async with self.limit, self.remote.stream(where):
                pass
        except RemoteNotFound:
            self.result.missing[local_location] = (
                f"remote {self.remote.name} no longer serves the file ({where})"
            )
            return
        self.result.files.add(local_location)

    async def _root(self, link: str) -> Record | None:
        path = link_path(link)
        if path not in self.remote_records:
            try:
                async with self.limit:
                    self.remote_records[path] = await self.remote.get(path)
            except RemoteNotFound:
                return None
        return self.remote_records[path]
