"""Conflicting entries (docs/config.md): one alias twice, or one data product written twice.

An explicit item beats a wildcard's match of the same product or alias, which is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from fdpd.userconfig.errors import ProblemCollector
from fdpd.userconfig.items import ResolvedRead, ResolvedWrite

E = TypeVar("E", ResolvedRead, ResolvedWrite)


def drop_shadowed(entries: list[E], *keys: Callable[[E], Hashable]) -> list[E]:
    """`entries` without wildcard matches that an explicit entry shares a key with."""
    explicit = [{key(e) for e in entries if e.pattern is None} for key in keys]
    return [
        e
        for e in entries
        if e.pattern is None
        or not any(key(e) in taken for key, taken in zip(keys, explicit, strict=True))
    ]


def check_reads(reads: list[ResolvedRead], problems: ProblemCollector) -> list[ResolvedRead]:
    kept = drop_shadowed(reads, _alias)
    _report_duplicates(kept, _alias, lambda e: f"alias `{e.alias}` is read twice", problems)
    return kept


def check_writes(writes: list[ResolvedWrite], problems: ProblemCollector) -> list[ResolvedWrite]:
    kept = drop_shadowed(writes, _alias, _product)
    _report_duplicates(kept, _alias, lambda e: f"alias `{e.alias}` is written twice", problems)
    _report_duplicates(
        kept,
        _product,
        lambda e: f"the same data product `{e.namespace}:{e.name}` is written twice",
        problems,
    )
    return kept


def _alias(entry: ResolvedRead | ResolvedWrite) -> Hashable:
    return entry.alias


def _product(entry: ResolvedRead | ResolvedWrite) -> Hashable:
    return (entry.namespace, entry.name)


def _report_duplicates(
    entries: list[E],
    key: Callable[[E], Hashable],
    describe: Callable[[E], str],
    problems: ProblemCollector,
) -> None:
    groups: dict[Hashable, list[E]] = {}
    for entry in entries:
        groups.setdefault(key(entry), []).append(entry)
    for group in groups.values():
        if len(group) < 2:
            continue
        involved = ", ".join(_describe_entry(e) for e in group)
        problems.add(group[1].origin, f"{describe(group[0])}: {involved}", "keep one of them")


def _describe_entry(entry: ResolvedRead | ResolvedWrite) -> str:
    text = f"{entry.origin.key_path} (line {entry.origin.line}"
    if entry.pattern is not None:
        text += f", pattern `{entry.pattern}`"
    return text + ")"
