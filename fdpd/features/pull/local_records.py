"""Find-or-create of the shared records register items need in the local registry, memoised
for one pull (namespace, storage root, file type, author), plus the versions of a product."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fdpd.base.errors import FdpError
from fdpd.remote.client import FilterValue, Record, RegistryClient
from fdpd.remote.links import parse_link


class LocalRecords:
    """The local registry as register items use it; every look-up goes by natural key."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self._memo: dict[tuple[str, str], Record] = {}

    async def namespace(
        self, name: str, full_name: str | None = None, website: str | None = None
    ) -> Record:
        body: dict[str, Any] = {"name": name}
        if full_name:
            body["full_name"] = full_name
        if website:
            body["website"] = website
        return await self._find_or_create("namespace", {"name": name}, body)

    async def storage_root(self, root: str, *, local: bool) -> Record:
        return await self._find_or_create(
            "storage_root", {"root": root}, {"root": root, "local": local}
        )

    async def file_type(self, extension: str) -> Record:
        key = {"name": extension, "extension": extension}
        return await self._find_or_create("file_type", key, key)

    async def author(self, name: str | None, identifier: str | None) -> Record:
        if identifier:
            body: dict[str, Any] = {"identifier": identifier}
            if name:
                body["name"] = name
            return await self._find_or_create("author", {"identifier": identifier}, body)
        assert name is not None  # the parser requires a name or an identifier
        return await self._find_or_create("author", {"name": name}, {"name": name})

    async def storage_location(self, root: Record, path: str, sha1: str, public: bool) -> Record:
        """A location for (root, hash, public): the registry keeps one per triple, whatever
        the path, so an identical file registered earlier is reused."""
        key: dict[str, FilterValue] = {"storage_root": _id(root), "hash": sha1, "public": public}
        body = {"path": path, "hash": sha1, "public": public, "storage_root": root["url"]}
        record, _ = await self.client.create("storage_location", body, key)
        return record

    async def find_storage_location(self, root: Record, sha1: str, public: bool) -> Record | None:
        key: dict[str, FilterValue] = {"storage_root": _id(root), "hash": sha1, "public": public}
        rows = await self.client.list_records("storage_location", key)
        return rows[0] if rows else None

    async def object_by_uuid(self, uuid: str) -> Record:
        rows = await self.client.list_records("object", {"uuid": uuid})
        if not rows:
            raise FdpError(
                f"the local registry refused object {uuid} as a duplicate, but has none",
                hint="see the registry log (`fdpctl registry status` says where)",
            )
        return rows[0]

    async def product_versions(self, namespace: Record, name: str) -> dict[str, Record]:
        """Every registered version of `namespace:name`, by version."""
        rows = await self.client.list_records(
            "data_product", {"namespace": _id(namespace), "name": name}
        )
        return {str(row["version"]): row for row in rows if row.get("name") == name}

    async def file_hash(self, product: Record) -> str | None:
        """The SHA-1 recorded for a data product's file (None if it has no file)."""
        obj = await self.client.get(str(product["object"]))
        location = obj.get("storage_location")
        if not location:
            return None
        return str((await self.client.get(str(location)))["hash"])

    async def _find_or_create(
        self, record_type: str, key: Mapping[str, FilterValue], body: Mapping[str, Any]
    ) -> Record:
        memo_key = (record_type, repr(sorted(key.items())))
        if memo_key in self._memo:
            return self._memo[memo_key]
        rows = [r for r in await self.client.list_records(record_type, key) if _matches(r, key)]
        record = rows[0] if rows else (await self.client.create(record_type, body, key))[0]
        self._memo[memo_key] = record
        return record


def _id(record: Record) -> int:
    return parse_link(str(record["url"])).id


def _matches(record: Record, key: Mapping[str, FilterValue]) -> bool:
    # `name` filters are globs on the registry; keep exact matches only
    return all(record.get(field) == value for field, value in key.items() if field == "name")
