"""Resolve `read:` items against the remote: wildcards and `${{LATEST}}` become exact products.

One namespace look-up per namespace and one list query per (namespace, name pattern); names are
then matched segment-wise (`*` stays within one `/` segment) and versions picked by semver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fdpd.base.errors import FdpError
from fdpd.remote.client import Record, RegistryClient
from fdpd.remote.errors import RemoteNotFound
from fdpd.remote.links import parse_link
from fdpd.userconfig.semver import highest
from fdpd.userconfig.versions import LATEST, VersionProblem, exact, token_of
from fdpd.userconfig.wildcards import is_pattern, matches


@dataclass(frozen=True)
class ProductRef:
    namespace: str
    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.namespace}:{self.name}@{self.version}"


@dataclass(frozen=True)
class ReadRequest:
    """A `read:` item: `name` may hold `*`; `version` is exact or `${{LATEST}}` (None = latest)."""

    namespace: str
    name: str
    version: str | None = None


@dataclass(frozen=True)
class RemoteProduct:
    """A data product found on the remote, with the records the lookup already fetched."""

    ref: ProductRef
    record: Record
    namespace_record: Record


NamesSeen = Callable[[ReadRequest, list[str]], None]


async def resolve_reads(
    remote: RegistryClient, requests: Sequence[ReadRequest], on_names: NamesSeen | None = None
) -> list[RemoteProduct]:
    """Each request's matching products on the remote (each product once, in request order).
    `on_names` gets, for each pattern request, every name the remote's own `name=` filter
    (fnmatch: `*` crosses `/`) answered, before they are narrowed to the pattern's matches."""
    namespaces: dict[str, Record] = {}
    found: dict[ProductRef, RemoteProduct] = {}
    for request in requests:
        if request.namespace not in namespaces:
            namespaces[request.namespace] = await _namespace(remote, request.namespace)
        matching = await _matching(remote, request, namespaces[request.namespace], on_names)
        for product in matching:
            found.setdefault(product.ref, product)
    return list(found.values())


async def locate_products(
    remote: RegistryClient, refs: Sequence[ProductRef]
) -> list[RemoteProduct]:
    """The remote records of exact products (one query per namespace and name)."""
    requests = [ReadRequest(ref.namespace, ref.name, ref.version) for ref in refs]
    return await resolve_reads(remote, requests)


async def _namespace(remote: RegistryClient, name: str) -> Record:
    rows = await remote.list_records("namespace", {"name": name})
    for row in rows:
        if row.get("name") == name:
            return row
    raise RemoteNotFound(
        f"remote {remote.name} has no namespace {name!r}",
        hint="check the namespace in the config's read: items",
    )


async def _matching(
    remote: RegistryClient, request: ReadRequest, namespace: Record, on_names: NamesSeen | None
) -> list[RemoteProduct]:
    filters: dict[str, str | int] = {"namespace": parse_link(namespace["url"]).id}
    filters["name"] = request.name
    wanted_version = _exact_version(request)
    if wanted_version is not None:
        filters["version"] = wanted_version
    rows = await remote.list_records("data_product", filters)
    if on_names is not None and is_pattern(request.name):
        on_names(request, sorted({str(row.get("name")) for row in rows}))
    by_name: dict[str, list[Record]] = {}
    for row in rows:
        name = str(row.get("name"))
        if name == request.name or (is_pattern(request.name) and matches(request.name, name)):
            by_name.setdefault(name, []).append(row)
    products = []
    for name in sorted(by_name):
        chosen = _pick(by_name[name], wanted_version)
        if chosen is not None:
            ref = ProductRef(request.namespace, name, str(chosen["version"]))
            products.append(RemoteProduct(ref, chosen, namespace))
    if not products:  # none, or only versions that are not semantic versions
        version = wanted_version or "latest"
        raise RemoteNotFound(
            f"remote {remote.name} has no data product {request.namespace}:{request.name} "
            f"({version})",
            hint="check the name and version of the read: item",
        )
    return products


def _exact_version(request: ReadRequest) -> str | None:
    if request.version is None or request.version == LATEST:
        return None
    if token_of(request.version) is not None:
        raise FdpError(
            f"version {request.version} of {request.namespace}:{request.name} cannot be read",
            hint="read ${{LATEST}} or an exact version",
        )
    try:
        return exact(request.version)
    except VersionProblem as problem:
        raise FdpError(problem.message, hint=problem.suggestion) from None


def _pick(rows: list[Record], version: str | None) -> Record | None:
    if version is not None:
        return next((row for row in rows if row.get("version") == version), None)
    latest = highest(str(row.get("version")) for row in rows)
    return next((row for row in rows if row.get("version") == latest), None)
