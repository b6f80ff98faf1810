"""`register:` items → reads at the version their last pull registered (docs/config.md)."""

from __future__ import annotations

from dataclasses import dataclass

from fdpd.userconfig.context import PulledVersions
from fdpd.userconfig.errors import Failed, ProblemCollector
from fdpd.userconfig.items import ResolvedRead
from fdpd.userconfig.model import RegisterItem
from fdpd.userconfig.registry_view import RegistryView
from fdpd.userconfig.substitution import Substituter
from fdpd.userconfig.versions import PULL_SUGGESTION


@dataclass(frozen=True)
class RegisterVersionUsed:
    namespace: str
    name: str
    source: str
    version: str


def register_reads(
    items: tuple[RegisterItem, ...],
    explicit_reads: list[ResolvedRead],
    default_namespace: str,
    pulled: PulledVersions,
    registry: RegistryView,
    sub: Substituter,
    problems: ProblemCollector,
) -> tuple[list[ResolvedRead], list[RegisterVersionUsed]]:
    """One read per registered data product that has a file.

    An item also listed in `read:` (same alias or same namespace and name) is left to that
    read item. Items without a file (`no_file: true`) give no read: nothing could be opened.
    """
    taken_aliases = {r.alias for r in explicit_reads}
    taken_products = {(r.namespace, r.name) for r in explicit_reads}
    reads: list[ResolvedRead] = []
    used: list[RegisterVersionUsed] = []
    for item in items:
        if not item.has_file:
            continue
        try:
            name = sub.text(item.name)
            namespace = sub.optional(item.namespace_field()) or default_namespace
            root, path = item.text("root"), item.text("path")
            assert root is not None and path is not None  # checked by the parser
            source = sub.text(root) + sub.text(path)
            description = sub.optional(item.text("description"))
        except Failed:
            continue
        if name in taken_aliases or (namespace, name) in taken_products:
            continue
        version = pulled.get((namespace, name, source))
        if version is None or version not in registry.data_product_versions(namespace, name):
            problems.add(
                item.name.where,
                f"`{namespace}:{name}` is not registered locally",
                PULL_SUGGESTION,
            )
            continue
        reads.append(ResolvedRead(name, description, namespace, name, version, item.where))
        used.append(RegisterVersionUsed(namespace, name, source, version))
    return reads, used
