"""The registry's `SPECS` (fdpregistry/schema.py) is the one description of the record types'
fields; the sync engine's `TYPES` (fdpd/sync/schema.py, which the housekeeping inventory also
reads) derives what it copies from it and adds only how to copy each type. These tests check the
derivation and what the sync policy names, and that `SPECS` agrees with the SQLModel tables."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fdpd.sync.schema import TYPES, TypeInfo
from fdpregistry.links import API_TYPES
from fdpregistry.schema import (
    COMPUTED,
    LINK,
    LINKS,
    REVERSE_MANY,
    REVERSE_ONE,
    SELF,
    SPECS,
    TypeSpec,
    target_table,
)

PER_REGISTRY = {"user_author"}  # users' own links to authors: never copied between registries


def spec_of(info: TypeInfo) -> TypeSpec:
    assert info.name in SPECS, f"sync type {info.name} is not a registry type"
    return SPECS[info.name]


def test_every_registry_type_but_the_per_registry_ones_is_synced() -> None:
    assert set(SPECS) - PER_REGISTRY == set(TYPES)


def test_the_root_listing_names_every_type() -> None:
    """`API_TYPES` is the reference's order of `GET /api/` (users and groups first)."""
    assert API_TYPES[:2] == ("users", "groups")
    assert sorted(API_TYPES[2:]) == sorted(SPECS)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_the_links_sync_follows_point_at_synced_types(name: str) -> None:
    info, spec = TYPES[name], spec_of(TYPES[name])
    for link in info.links:
        target = spec.by_name[link].target
        assert target in TYPES, f"{name}.{link} points at {target}, which is not synced"
    for link in info.set_from_other_side:
        assert spec.by_name[link].kind == LINKS and link in info.related, f"{name}.{link}"


def test_reading_the_descriptions_does_not_load_the_registry_tables() -> None:
    """fdpd's daemon reads `TYPES` to sync; the registry's SQLModel classes are the server's."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, fdpd.sync.schema; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'fdpd.sync.schema'" in loaded
    assert "'fdpregistry.models'" not in loaded


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


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_tables_a_spec_names_have_the_columns_it_joins_on(name: str) -> None:
    for field in SPECS[name].fields:
        if field.through is not None:
            columns = set(field.through.table.columns.keys())
            assert {field.through.owner, field.through.other} <= columns, f"{name}.{field.name}"
        if field.reverse_table is not None:
            assert field.reverse_column in field.reverse_table.columns, f"{name}.{field.name}"
        if field.kind == LINK:
            assert target_table(str(field.target)) is not None
