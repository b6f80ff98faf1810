"""The record types are described twice: the registry's `SPECS` (fdpd/registry/schema.py, built
on its SQLModel tables) is the one description; the sync engine's `TYPES` (fdpd/sync/schema.py,
which the housekeeping inventory also reads) says how to copy each. These tests fail as soon as
the two disagree on a type, a field, a link or its target."""

from __future__ import annotations

import pytest

from fdpd.registry.schema import (
    COMPUTED,
    LINK,
    LINKS,
    REVERSE_MANY,
    REVERSE_ONE,
    SELF,
    SPECS,
    TypeSpec,
)
from fdpd.sync.schema import TYPES, TypeInfo

PER_REGISTRY = {"user_author"}  # users' own links to authors: never copied between registries


def spec_of(info: TypeInfo) -> TypeSpec:
    assert info.name in SPECS, f"sync type {info.name} is not a registry type"
    return SPECS[info.name]


def test_every_registry_type_but_the_per_registry_ones_is_synced() -> None:
    assert set(SPECS) - PER_REGISTRY == set(TYPES)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_copied_fields_are_writable_registry_fields(name: str) -> None:
    info, spec = TYPES[name], spec_of(TYPES[name])
    unknown = [f for f in info.fields if f not in spec.by_name]
    assert not unknown, f"{name}: sync copies fields the registry does not have: {unknown}"
    read_only = [f for f in info.fields if not spec.by_name[f].writable]
    assert not read_only, f"{name}: sync sends read-only fields: {read_only}"


@pytest.mark.parametrize("name", sorted(TYPES))
def test_links_have_the_registry_kind_and_a_synced_target(name: str) -> None:
    info, spec = TYPES[name], spec_of(TYPES[name])
    for link, kind in [*((f, LINK) for f in info.to_one), *((f, LINKS) for f in info.to_many)]:
        field = spec.by_name[link]
        assert field.kind == kind, f"{name}.{link} is {field.kind} in the registry, not {kind}"
        assert field.target in TYPES, f"{name}.{link} points at {field.target}, which is not synced"
        assert link in info.fields, f"{name}.{link} is a dependency but is not sent"


@pytest.mark.parametrize("name", sorted(TYPES))
def test_related_links_and_keys_exist(name: str) -> None:
    info, spec = TYPES[name], spec_of(TYPES[name])
    for link in info.related:
        assert link in spec.by_name, f"{name}.{link} (related) is not a registry field"
        assert spec.by_name[link].kind in (LINK, LINKS, REVERSE_MANY, REVERSE_ONE), link
    for key in (*info.key, *info.lookup_filters, *info.patchable_sets):
        assert key in spec.by_name, f"{name}: {key} is not a registry field"
    if info.lookup_parent is not None:
        assert info.lookup_parent in info.to_one, f"{name}: lookup parent is not a to-one link"
    for name_of_set in info.patchable_sets:
        assert name_of_set in info.to_many, f"{name}.{name_of_set} is patched but not a set"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_stored_field_is_a_column_of_its_table(name: str) -> None:
    spec = SPECS[name]
    columns = set(spec.table.columns.keys())
    stored = [
        f for f in spec.fields if f.kind not in (SELF, COMPUTED, LINKS, REVERSE_MANY, REVERSE_ONE)
    ]
    missing = [f.column for f in stored if f.column not in columns]
    assert not missing, f"{name}: fields without a column in {spec.table.name}: {missing}"
