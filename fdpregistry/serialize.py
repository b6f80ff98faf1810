"""Records → JSON dicts, built straight from rows with relations loaded in bulk (one query per
relation per page, never per row)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from fdpregistry.models import table_named
from fdpregistry.schema import (
    COMPUTED,
    DATETIME,
    LINK,
    LINKS,
    REVERSE_MANY,
    REVERSE_ONE,
    SELF,
    Field,
    TypeSpec,
)
from fdpregistry.statements import objects_with_parts, pairs_for

_COMPONENTS = table_named("object_component")


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`; microseconds only when non-zero."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def serialize(
    conn: Connection,
    spec: TypeSpec,
    rows: Sequence[RowMapping],
    base: str,
    *,
    just_created: bool = False,
) -> list[dict[str, Any]]:
    """JSON dicts of `rows` (full rows of `spec.table`) in the type's exact key order.

    `just_created`: the rows were inserted by this request, so no other record points at them
    yet (except the components an object is created with) and those look-ups are skipped.
    """
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    related = {
        f.name: _nothing(f) if just_created and _points_here(spec, f) else
        _load_relation(conn, spec, f.name, ids, rows)
        for f in spec.fields
    }  # fmt: skip
    prefix = f"{base}/api/"
    own_prefix = f"{prefix}{spec.name}/"
    results = []
    for row in rows:
        record: dict[str, Any] = {}
        row_id = row["id"]
        for field in spec.fields:
            kind = field.kind
            if kind == SELF:
                record["url"] = f"{own_prefix}{row_id}/"
            elif kind == LINK:
                target_id = row[field.column]
                record[field.name] = (
                    None if target_id is None else f"{prefix}{field.target}/{target_id}/"
                )
            elif kind in (LINKS, REVERSE_MANY):
                target_prefix = f"{prefix}{field.target}/"
                record[field.name] = [f"{target_prefix}{i}/" for i in related[field.name][row_id]]
            elif kind == REVERSE_ONE:
                target_id = related[field.name].get(row_id)
                record[field.name] = (
                    None if target_id is None else f"{prefix}{field.target}/{target_id}/"
                )
            elif kind == COMPUTED:
                record[field.name] = _computed(field.name, spec, row, base, related)
            elif kind == DATETIME:
                value = row[field.name]
                record[field.name] = None if value is None else format_datetime(value)
            else:
                record[field.name] = row[field.name]
        results.append(record)
    return results


def _points_here(spec: TypeSpec, field: Field) -> bool:
    """True for relations made of other records pointing at this one."""
    if spec.name == "object" and field.name == "components":
        return False  # the whole_object component is created with its object
    return field.kind in (REVERSE_MANY, REVERSE_ONE) or (field.kind == LINKS and field.read_only)


def _nothing(field: Field) -> Any:
    return {} if field.kind == REVERSE_ONE else defaultdict(list)


def _load_relation(
    conn: Connection, spec: TypeSpec, name: str, ids: list[int], rows: Sequence[RowMapping]
) -> Any:
    field = spec.by_name[name]
    if field.kind == LINKS:
        assert field.through is not None
        query = pairs_for(field.through.table, field.through.owner, field.through.other)
        grouped: defaultdict[int, list[int]] = defaultdict(list)
        for owner_id, other_id in conn.execute(query, {"ids": ids}):
            grouped[owner_id].append(other_id)
        return grouped
    if field.kind in (REVERSE_MANY, REVERSE_ONE):
        assert field.reverse_table is not None and field.reverse_column is not None
        query = pairs_for(field.reverse_table, field.reverse_column, "id")
        if field.kind == REVERSE_ONE:
            return {fk_id: own_id for fk_id, own_id in conn.execute(query, {"ids": ids})}
        grouped = defaultdict(list)
        for fk_id, own_id in conn.execute(query, {"ids": ids}):
            grouped[fk_id].append(own_id)
        return grouped
    if name == "internal_format":
        object_ids = list({row["object_id"] for row in rows})
        return set(conn.execute(objects_with_parts(), {"ids": object_ids}).scalars())
    return None


def _computed(
    name: str, spec: TypeSpec, row: RowMapping, base: str, related: dict[str, Any]
) -> Any:
    if name == "internal_format":
        return row["object_id"] in related["internal_format"]
    if name == "prov_report":
        return f"{base}/api/prov-report/{row['id']}/"
    kind = "data-product" if spec.name == "data_product" else "code-run"
    return f"{base}/api/ro-crate/{kind}/{row['id']}/"
