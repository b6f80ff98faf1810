"""The parts of a `POST /fdp/bulk/push` item (fdpregistry/bulk.py): references to earlier items
(`{"ref": name}`), and the look-up and natural key that find the record it stands for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from fdpregistry.filters import build_conditions
from fdpregistry.http import ApiError
from fdpregistry.schema import TypeSpec
from fdpregistry.serialize import serialize

MAX_CANDIDATES = 10_000  # rows a look-up may compare
_PATH = re.compile(r"/api/([a-z_]+)/([0-9]{1,18})/?")

Resolved = dict[str, dict[str, Any] | None]  # ref → its item's record (None: refused)


def refs_in(item: dict[str, Any]) -> Iterator[str]:
    for part in ("body", "key", "lookup"):
        for value in (item.get(part) or {}).values():
            for one in value if isinstance(value, list) else [value]:
                if is_ref(one):
                    yield one["ref"]


def is_ref(value: object) -> bool:
    return isinstance(value, dict) and set(value) == {"ref"} and isinstance(value["ref"], str)


def resolve_item(item: dict[str, Any], resolved: Resolved) -> dict[str, Any]:
    """The item with its references replaced by their records' links (ids in the look-up);
    LookupError naming a reference whose item was refused."""
    return {
        **item,
        **{
            part: _resolve(item.get(part) or {}, resolved, part == "lookup")
            for part in ("body", "key", "lookup")
        },
    }


def _resolve(values: dict[str, Any], resolved: Resolved, as_id: bool) -> dict[str, Any]:
    def one(value: Any) -> Any:
        if not is_ref(value):
            return value
        record = resolved.get(value["ref"])
        if record is None:
            raise LookupError(value["ref"])
        url = str(record["url"])
        return int(url.rstrip("/").rsplit("/", 1)[1]) if as_id else url

    return {
        name: [one(v) for v in value] if isinstance(value, list) else one(value)
        for name, value in values.items()
    }


def find(
    conn: Connection, spec: TypeSpec, lookup: dict[str, Any], key: dict[str, Any], base: str
) -> dict[str, Any] | None:
    """The record the look-up filters find whose natural `key` fields equal the item's."""
    try:
        conditions = build_conditions(conn, spec, list(_filter_items(lookup)))
    except ApiError:
        return None
    statement = select(spec.table).where(*conditions).order_by(spec.table.c.id)
    rows = conn.execute(statement.limit(MAX_CANDIDATES)).mappings().all()
    for record in serialize(conn, spec, rows, base):
        if all(same(record.get(name), value) for name, value in key.items()):
            return record
    return None


def _filter_items(lookup: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for name, value in lookup.items():
        for one in value if isinstance(value, list) else [value]:
            yield name, ("true" if one else "false") if isinstance(one, bool) else str(one)


def same(held: Any, sent: Any) -> bool:
    """A key field's values equal: links by their record path, "" as null."""
    return bool(comparable(held) == comparable(sent))


def comparable(value: Any) -> Any:
    """A key field's value as `same` compares it: a link as its record path, "" as None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        path = record_path(value)
        return ("link", path) if path else value
    return value


def record_path(link: str) -> str | None:
    match = _PATH.fullmatch(urlsplit(link).path if "://" in link else link)
    return f"/api/{match.group(1)}/{int(match.group(2))}/" if match else None
