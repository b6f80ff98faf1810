"""The registry's `SPECS` (fdpregistry/schema.py) is the one description of the record types:
the registry's tables are built from it (fdpregistry/models.py), and the sync engine's `TYPES`
(fdpd/sync/schema.py, which the housekeeping inventory also reads) derives what it copies from it
and adds only how to copy each type. These tests check that no second description of a type's
table exists, that what the sync policy and the reverse sides name exists, and that reading the
descriptions stays cheap. (That the tables are the schema the migrations give is
tests/registry/test_migrations.py.)"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import SQLModel

from fdpd.sync.schema import TYPES, TypeInfo
from fdpregistry.links import API_TYPES
from fdpregistry.models import RegistryModel
from fdpregistry.schema import (
    LINK,
    LINKS,
    REVERSE_MANY,
    REVERSE_ONE,
    SPECS,
    TypeSpec,
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


def test_no_model_class_describes_a_record_type_again() -> None:
    """The record types' tables are built from `SPECS`; SQLModel classes are only for what is
    not a record type (users, tokens, groups, grants, reruns)."""
    classes: list[type[SQLModel]] = []
    pending: list[type[SQLModel]] = [RegistryModel]
    while pending:
        cls = pending.pop()
        classes.append(cls)
        pending += cls.__subclasses__()
    declared = {getattr(cls, "__tablename__", None) for cls in classes} - {None}
    described = {spec.table_name for spec in SPECS.values()}
    described |= {f.through.table_name for s in SPECS.values() for f in s.fields if f.through}
    assert declared and not declared & described
    assert described <= set(RegistryModel.metadata.tables)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_reverse_sides_name_what_they_mirror(name: str) -> None:
    """A reverse field names the target's link back here; a mirrored association is the other
    side of a to-many link of its target."""
    for field in SPECS[name].fields:
        target = SPECS.get(str(field.target))
        if field.kind in (REVERSE_MANY, REVERSE_ONE):
            assert target is not None, f"{name}.{field.name}"
            link = target.by_name.get(str(field.reverse_link))
            assert link is not None and link.kind == LINK, f"{name}.{field.name}"
            assert link.target == name, f"{name}.{field.name}"
        if field.through is not None and field.through.mirror:
            assert target is not None, f"{name}.{field.name}"
            mirrored = [
                f.through
                for f in target.fields
                if f.kind == LINKS and f.through and not f.through.mirror and f.target == name
            ]
            reversed_side = (field.through.table_name, field.through.other, field.through.owner)
            assert reversed_side in [(m.table_name, m.owner, m.other) for m in mirrored], (
                f"{name}.{field.name}"
            )
