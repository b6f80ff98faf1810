"""The registry's tables: those of the record types of the REST API (docs/registry-api.md), built
from their one description (`SPECS`, fdpregistry/schema.py), and SQLModel classes for what is
not a record type (users, tokens, groups, namespace grants, fdp's reruns).

Column naming: a to-one relation `x` is the column `x_id`; to-many relations live in association
tables (`Through`). Every record type carries `id`, then `uuid` when it has one, `last_updated`
and `updated_by_id`, then its stored fields in the description's order. Datetimes are
timezone-aware UTC; uuids as canonical lowercase strings.

Uniqueness that the API reports itself (409/400) is checked by the write path before inserting;
the constraints here are the safety net. Very long text columns (`identifier`, up to 1 MiB) get a
unique index on SQLite only: PostgreSQL B-tree entries are limited to ~2.7 kB, so there they get a
hash index for look-ups and uniqueness is enforced by the write path alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from fdpregistry import schema
from fdpregistry.schema import SPECS, TypeSpec


class RegistryModel(SQLModel):
    """Base of the registry's tables: their own metadata, so creating the registry's schema
    never creates another SQLModel user's tables (fdpd's journal) in the registry database."""

    metadata = MetaData()


_AUTOINCREMENT = {"sqlite_autoincrement": True}  # ids are never reused (code runs can be deleted)


# PostgreSQL's options of the indexes (a hash index, `text_pattern_ops`), given to them by
# `use_postgresql_options` once an engine for PostgreSQL is made: naming them at import would
# load SQLAlchemy's PostgreSQL dialect (and its drivers' modules) in every SQLite registry.
_POSTGRESQL_OPTIONS: list[tuple[Index, dict[str, Any]]] = []


def _long_text_index(table: str, column: str, *, unique: bool) -> tuple[Index, Index]:
    """A (unique) B-tree index on SQLite and a hash index on PostgreSQL for a long text column."""
    sqlite_index = Index(f"ix_{table}_{column}", column, unique=unique).ddl_if(dialect="sqlite")
    pg_index = Index(f"ixh_{table}_{column}", column).ddl_if(dialect="postgresql")
    _POSTGRESQL_OPTIONS.append((pg_index, {"postgresql_using": "hash"}))
    return sqlite_index, pg_index


def _pattern_index(table: str, column: str) -> Index:
    """B-tree index usable for equality and prefix globs on both backends."""
    index = Index(f"ixp_{table}_{column}", column)
    _POSTGRESQL_OPTIONS.append((index, {"postgresql_ops": {column: "text_pattern_ops"}}))
    return index


def use_postgresql_options() -> None:
    """Give the indexes their PostgreSQL options (`make_engine` does, for a PostgreSQL URL, before
    anything creates or compares the schema there); SQLite ignores them. Idempotent."""
    for index, options in _POSTGRESQL_OPTIONS:
        for key, value in options.items():
            index.dialect_kwargs[key] = value


class User(RegistryModel, table=True):
    __tablename__ = "registry_user"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=150)
    full_name: str | None = Field(default=None)
    email: str | None = Field(default=None)


class ApiToken(RegistryModel, table=True):
    """An API key, stored as the SHA-256 hex digest of the 40-hex-character key."""

    __tablename__ = "registry_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="registry_user.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created: datetime


class Group(RegistryModel, table=True):
    __tablename__ = "registry_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=150)


class NamespaceGrant(RegistryModel, table=True):
    """A user who may write a namespace in a shared registry (its creator, and users granted)."""

    __tablename__ = "namespace_grant"
    __table_args__ = (UniqueConstraint("namespace_id", "user_id", name="uq_namespace_grant"),)

    id: int | None = Field(default=None, primary_key=True)
    namespace_id: int = Field(foreign_key="namespace.id", index=True)
    user_id: int = Field(foreign_key="registry_user.id", index=True)


# --- the record types' tables, from their description --------------------------------------

_NOT_STORED = frozenset(
    {schema.SELF, schema.COMPUTED, schema.LINKS, schema.REVERSE_MANY, schema.REVERSE_ONE}
)
_FIRST = {"uuid": 0, "last_updated": 1, "updated_by": 2}  # leading columns, then the spec's order
_UUID_LENGTH = 36


def _is_text(field: schema.Field) -> bool:
    """Long strings are TEXT; the others VARCHAR (without a length: the write path checks it)."""
    return field.kind in schema.STRING_KINDS and (
        field.max_length is None or field.max_length > schema.STR_MAX
    )


def _column_type(field: schema.Field) -> TypeEngine[Any]:
    if field.kind in (schema.LINK, schema.INT):
        return Integer()
    if field.kind == schema.BOOL:
        return Boolean()
    if field.kind == schema.DATETIME:
        return UTCDateTime()
    if field.kind == schema.UUID:
        return AutoString(length=_UUID_LENGTH)
    return Text() if _is_text(field) else AutoString()


def _column(field: schema.Field) -> Column[Any]:
    """A stored field's column. Links are indexed (unique ones by their constraint); an indexed
    TEXT column gets `_long_text_index` instead (`_record_table`), unique on SQLite only."""
    unique = field.unique or field.kind == schema.UUID
    options: dict[str, Any] = {"nullable": field.nullable}
    if field.has_default and field.default is not None:
        options["default"] = field.default
    if field.kind == schema.LINK:
        target = "registry_user" if field.target == "users" else SPECS[str(field.target)].table_name
        return Column(
            field.column, Integer(), ForeignKey(f"{target}.id"), unique=unique or None,
            index=not unique or None, **options,
        )  # fmt: skip
    text = _is_text(field)
    return Column(
        field.column, _column_type(field), unique=(unique and not text) or None,
        index=(field.indexed and not text) or None, **options,
    )  # fmt: skip


def _record_table(spec: TypeSpec) -> Table:
    name = spec.table_name
    stored = sorted(
        (f for f in spec.fields if f.kind not in _NOT_STORED), key=lambda f: _FIRST.get(f.name, 3)
    )
    elements: list[SchemaItem] = [CheckConstraint(sql, name=check) for check, sql in spec.checks]
    elements += [
        UniqueConstraint(*(spec.by_name[f].column for f in unique.fields), name=f"uq_{name}")
        for unique in spec.unique_together
    ]
    for field in stored:
        if field.filter == "glob":
            elements.append(_pattern_index(name, field.column))
        if field.indexed and _is_text(field):
            elements.extend(_long_text_index(name, field.column, unique=field.unique))
    columns: list[SchemaItem] = [Column("id", Integer(), primary_key=True), *map(_column, stored)]
    # ids never reused, as _AUTOINCREMENT
    return Table(name, RegistryModel.metadata, *columns, *elements, sqlite_autoincrement=True)


def _association_table(owner: TypeSpec, field: schema.Field) -> Table:
    through = field.through
    assert through is not None
    target = SPECS[str(field.target)].table_name
    return Table(
        through.table_name,
        RegistryModel.metadata,
        Column(through.owner, Integer(), ForeignKey(f"{owner.table_name}.id"), primary_key=True),
        Column(through.other, Integer(), ForeignKey(f"{target}.id"), primary_key=True, index=True),
    )


for _spec in SPECS.values():
    _record_table(_spec)
for _spec in SPECS.values():
    for _field in _spec.fields:
        if _field.through is not None and not _field.through.mirror:
            _association_table(_spec, _field)


def table_of(model: type[RegistryModel]) -> Table:
    """The Core table of a model class (the read and write paths use Core for speed)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def table_named(name: str) -> Table:
    """A table by name: a record type's (`TypeSpec.table_name`) or an association table."""
    return RegistryModel.metadata.tables[name]


# --- fdp's extension (not a record type of the REST API; docs/registry-api.md) ------------------


class FdpRerun(RegistryModel, table=True):
    """A verdict of `fdpctl rerun`, recorded by fdpd in its local registry through `POST
    /fdp/reruns` so that the web view's code-run page shows it. Keyed by the code run's uuid, not
    a link: the code run may be deleted and pulled again (same uuid, same run), and the row never
    blocks removing it. Never pushed: it is what this machine found, not part of the run."""

    __tablename__ = "fdp_rerun"
    __table_args__ = (_AUTOINCREMENT,)

    id: int | None = Field(default=None, primary_key=True)
    code_run_uuid: str = Field(max_length=36, index=True)
    ended: datetime
    username: str = Field(max_length=150)  # the fdp user who reran it
    verdict: str = Field(max_length=16)  # identical, differs, failed
    identical: int
    outputs: int
    job: str = Field(max_length=64)  # the rerun's job on that machine
    kept: bool = False
    new_code_run_uuid: str | None = Field(default=None, max_length=36)  # with --keep
