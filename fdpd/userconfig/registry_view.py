"""Read-only views of a registry's namespaces and data products, for working config generation.

Generation reads one consistent snapshot: each view caches what it fetched for its lifetime, so
use a fresh view per generation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class RegistryView(Protocol):
    def namespace_exists(self, name: str) -> bool: ...

    def data_product_names(self, namespace: str) -> Sequence[str]:
        """Every data product name in `namespace` (empty if the namespace does not exist)."""
        ...

    def data_product_versions(self, namespace: str, name: str) -> Sequence[str]:
        """Every version of `namespace:name` (empty if there is none)."""
        ...


class StaticRegistryView:
    """A registry state given as {namespace: {name: [versions]}} (tests, offline previews)."""

    def __init__(self, products: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        self._products = {
            ns: {n: tuple(v) for n, v in names.items()} for ns, names in products.items()
        }

    def namespace_exists(self, name: str) -> bool:
        return name in self._products

    def data_product_names(self, namespace: str) -> Sequence[str]:
        return sorted(self._products.get(namespace, {}))

    def data_product_versions(self, namespace: str, name: str) -> Sequence[str]:
        return self._products.get(namespace, {}).get(name, ())


class RecordLister(Protocol):
    """Reads a registry's records for synchronous code (fdp's local registry client provides
    one, `fdpd.local_registry.access.BlockingReads`)."""

    def records(
        self, table: str, filters: Mapping[str, str], page_size: int
    ) -> list[dict[str, Any]]:
        """Every record of `table` matching `filters`, following the registry's pages."""
        ...


class RestRegistryView:
    """Reads a registry's REST API: one namespace look-up and one listing per namespace."""

    PAGE_SIZE = 10000

    def __init__(self, lister: RecordLister) -> None:
        self._lister = lister
        self._namespace_ids: dict[str, int | None] = {}
        self._products: dict[str, dict[str, list[str]]] = {}

    def namespace_exists(self, name: str) -> bool:
        return self._namespace_id(name) is not None

    def data_product_names(self, namespace: str) -> Sequence[str]:
        return sorted(self._namespace_products(namespace))

    def data_product_versions(self, namespace: str, name: str) -> Sequence[str]:
        return self._namespace_products(namespace).get(name, [])

    def _namespace_id(self, name: str) -> int | None:
        if name not in self._namespace_ids:
            records = self._lister.records("namespace", {"name": name}, self.PAGE_SIZE)
            found = [r for r in records if r.get("name") == name]
            self._namespace_ids[name] = _id_of(found[0]["url"]) if found else None
        return self._namespace_ids[name]

    def _namespace_products(self, namespace: str) -> dict[str, list[str]]:
        if namespace not in self._products:
            products: dict[str, list[str]] = {}
            namespace_id = self._namespace_id(namespace)
            if namespace_id is not None:
                query = {"namespace": str(namespace_id)}
                for record in self._lister.records("data_product", query, self.PAGE_SIZE):
                    products.setdefault(record["name"], []).append(record["version"])
            self._products[namespace] = products
        return self._products[namespace]


def _id_of(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[-1])
