"""Read-only views of a registry's namespaces and data products, for working config generation.

Generation reads one consistent snapshot: each view caches what it fetched for its lifetime, so
use a fresh view per generation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx

from fdpd.errors import Unavailable


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


class RestRegistryView:
    """Reads our registry's REST API: one namespace look-up and one listing per namespace.

    `client` must have `base_url` set to the registry's API root (ending in `/api/`). GETs are
    anonymous unless the client carries an Authorization header.
    """

    PAGE_SIZE = 10000

    def __init__(self, client: httpx.Client) -> None:
        self._client = client
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
            records = self._get_all("namespace/", {"name": name})
            found = [r for r in records if r.get("name") == name]
            self._namespace_ids[name] = _id_of(found[0]["url"]) if found else None
        return self._namespace_ids[name]

    def _namespace_products(self, namespace: str) -> dict[str, list[str]]:
        if namespace not in self._products:
            products: dict[str, list[str]] = {}
            namespace_id = self._namespace_id(namespace)
            if namespace_id is not None:
                query = {"namespace": str(namespace_id), "page_size": str(self.PAGE_SIZE)}
                for record in self._get_all("data_product/", query):
                    products.setdefault(record["name"], []).append(record["version"])
            self._products[namespace] = products
        return self._products[namespace]

    def _get_all(self, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every record of a list endpoint, following `next` links."""
        records: list[dict[str, Any]] = []
        url: str | None = path
        query: Mapping[str, str] | None = params
        while url is not None:
            body = self._get(url, query)
            records.extend(body.get("results", []))
            url, query = body.get("next"), None
        return records

    def _get(self, url: str, params: Mapping[str, str] | None) -> dict[str, Any]:
        where = str(self._client.base_url)
        try:
            response = self._client.get(
                url, params=params, headers={"Accept": "application/json; version=1.0.0"}
            )
        except httpx.HTTPError as exc:
            raise Unavailable(
                f"the local registry at {where} did not answer: {exc}",
                hint="check that fdpd is running (`fdpctl status`)",
            ) from exc
        if response.status_code != 200:
            raise Unavailable(
                f"the local registry at {where} answered {response.status_code} to GET {url}",
                hint="check the registry log",
            )
        body = response.json()
        if not isinstance(body, dict):
            raise Unavailable(f"the local registry at {where} sent an unexpected answer to {url}")
        return body


def _id_of(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[-1])
