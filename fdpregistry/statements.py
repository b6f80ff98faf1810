"""Prebuilt SQL statements of the hot paths, with bound parameters.

Building a SQLAlchemy statement costs more than running it on SQLite; these are built once per
table (or relation) and reused with different parameter values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Insert, Select, Table, and_, bindparam, insert, select

# bound values per statement (an IN list, a multi-row look-up): below SQLite's limits on
# variables and expression depth
BOUND_VALUES = 500
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = BOUND_VALUES) -> Iterator[Sequence[T]]:
    """`values` in runs of at most `size` (at least 1), in order."""
    step = max(1, size)
    for start in range(0, len(values), step):
        yield values[start : start + step]


@cache
def row_by_id(table: Table) -> Select[Any]:
    """The full row with id `:id`."""
    return select(table).where(table.c.id == bindparam("id"))


@cache
def existing_ids(table: Table) -> Select[Any]:
    """Which of the ids `:ids` exist."""
    return select(table.c.id).where(table.c.id.in_(bindparam("ids", expanding=True)))


@cache
def first_match(table: Table, columns: tuple[str, ...], excluding_id: bool) -> Select[Any]:
    """Some id whose `columns` equal `:c0`, `:c1`… (and that is not `:exclude` if asked)."""
    conditions = [table.c[column] == bindparam(f"c{i}") for i, column in enumerate(columns)]
    if excluding_id:
        conditions.append(table.c.id != bindparam("exclude"))
    return select(table.c.id).where(and_(*conditions)).limit(1)


@cache
def pairs_for(table: Table, key: str, value: str) -> Select[Any]:
    """(`key`, `value`) pairs of `table` for the keys `:ids`, ordered by `value`."""
    key_column = table.c[key]
    return (
        select(key_column, table.c[value])
        .where(key_column.in_(bindparam("ids", expanding=True)))
        .order_by(table.c[value])
    )


@cache
def insert_into(table: Table) -> Insert:
    """INSERT of one row, values given as execution parameters."""
    return insert(table)


@cache
def objects_with_parts() -> Select[Any]:
    """Which of the objects `:ids` have a component other than whole_object."""
    from fdpregistry.models import table_named

    components = table_named("object_component")
    return (
        select(components.c.object_id)
        .where(
            components.c.object_id.in_(bindparam("ids", expanding=True)),
            components.c.whole_object.is_(False),
        )
        .distinct()
    )
