"""Cursor pagination of list requests (docs/registry-api.md).

The default order (newest first) pages by keyset on `id`: cursor `p=<id>` continues below that
id, `r=<id>` goes back above it. An explicit `?ordering=` pages by offset (`o=<n>`). Cursors are
opaque base64 to clients; a cursor that does not decode is answered 404 "Invalid cursor".
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Connection, RowMapping, Select, func, select

from fdpregistry.http import ApiError
from fdpregistry.schema import COMPUTED, LINK, LINKS, REVERSE_MANY, REVERSE_ONE, SELF, TypeSpec

DEFAULT_PAGE_SIZE = 100
_CURSOR = re.compile(r"([por])=(\d{1,19})")


@dataclass(frozen=True)
class Page:
    count: int
    rows: Sequence[RowMapping]
    next_cursor: str | None
    previous_cursor: str | None


def page_size_of(items: Sequence[tuple[str, str]]) -> int:
    """`page_size` (last value wins); default for missing, zero, negative or non-numeric."""
    size = DEFAULT_PAGE_SIZE
    for key, value in items:
        if key == "page_size":
            text = value.strip()
            digits = text.isascii() and text.isdigit()  # `²` is a digit int() refuses
            size = int(text) if digits and 0 < len(text) < 10 else DEFAULT_PAGE_SIZE
            size = size or DEFAULT_PAGE_SIZE
    return size


def ordering_of(spec: TypeSpec, items: Sequence[tuple[str, str]]) -> list[Any]:
    """ORDER BY clauses from `?ordering=f1,-f2` (unknown or non-column names ignored)."""
    value = next((v for k, v in reversed(items) if k == "ordering"), "")
    clauses: list[Any] = []
    for part in value.split(","):
        name = part.strip()
        descending = name.startswith("-")
        field = spec.by_name.get(name.lstrip("-"))
        if field is None or field.kind in (SELF, COMPUTED, LINKS, REVERSE_MANY, REVERSE_ONE):
            continue
        column = spec.table.c[field.column if field.kind == LINK else field.name]
        clauses.append(column.desc() if descending else column.asc())
    return clauses


def decode_cursor(value: str | None) -> tuple[str, int] | None:
    if value is None or value == "":
        return None
    try:
        text = base64.urlsafe_b64decode(value.encode("ascii") + b"==").decode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        raise ApiError.detail(404, "Invalid cursor") from None
    match = _CURSOR.fullmatch(text)
    if not match:
        raise ApiError.detail(404, "Invalid cursor")
    return match.group(1), int(match.group(2))


def encode_cursor(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}={position}".encode("ascii")).decode().rstrip("=")


def fetch_page(
    conn: Connection,
    spec: TypeSpec,
    conditions: list[ColumnElement[bool]],
    items: Sequence[tuple[str, str]],
    count: int | None = None,
) -> Page:
    """One page of the filtered records, with the cursors of the neighbouring pages.

    `count` (of all filtered records) is counted here unless the caller knows it.
    """
    size = page_size_of(items)
    cursor = decode_cursor(next((v for k, v in reversed(items) if k == "cursor"), None))
    table = spec.table
    if count is None:
        count = conn.execute(
            select(func.count()).select_from(table).where(*conditions)
        ).scalar_one()
    ordering = ordering_of(spec, items)
    base: Select[Any] = select(table).where(*conditions)
    if ordering:
        return _offset_page(conn, base.order_by(*ordering, table.c.id.desc()), count, size, cursor)
    return _keyset_page(conn, spec, base, conditions, count, size, cursor)


def _offset_page(
    conn: Connection, query: Select[Any], count: int, size: int, cursor: tuple[str, int] | None
) -> Page:
    if cursor is not None and cursor[0] != "o":
        raise ApiError.detail(404, "Invalid cursor")
    offset = cursor[1] if cursor else 0
    rows = conn.execute(query.offset(offset).limit(size + 1)).mappings().all()
    next_cursor = encode_cursor("o", offset + size) if len(rows) > size else None
    previous = encode_cursor("o", max(0, offset - size)) if offset > 0 else None
    return Page(count, rows[:size], next_cursor, previous)


def _keyset_page(
    conn: Connection,
    spec: TypeSpec,
    query: Select[Any],
    conditions: list[ColumnElement[bool]],
    count: int,
    size: int,
    cursor: tuple[str, int] | None,
) -> Page:
    ids = spec.table.c.id
    if cursor is not None and cursor[0] == "o":
        raise ApiError.detail(404, "Invalid cursor")
    if cursor is None or cursor[0] == "p":
        if cursor is not None:
            query = query.where(ids < cursor[1])
        rows = conn.execute(query.order_by(ids.desc()).limit(size + 1)).mappings().all()
        page = rows[:size]
        next_cursor = encode_cursor("p", page[-1]["id"]) if len(rows) > size else None
        previous = None
        if cursor is not None and page and _exists(conn, spec, conditions, ids > page[0]["id"]):
            previous = encode_cursor("r", page[0]["id"])
        return Page(count, page, next_cursor, previous)
    # going back: the `size` records just above the cursor, shown newest first
    backwards = query.where(ids > cursor[1]).order_by(ids.asc()).limit(size + 1)
    above = conn.execute(backwards).mappings().all()
    page = list(reversed(above[:size]))
    previous = encode_cursor("r", page[0]["id"]) if len(above) > size else None
    next_cursor = encode_cursor("p", page[-1]["id"]) if page else None
    return Page(count, page, next_cursor, previous)


def _exists(
    conn: Connection, spec: TypeSpec, conditions: list[ColumnElement[bool]], extra: Any
) -> bool:
    query = select(spec.table.c.id).where(*conditions, extra).limit(1)
    return conn.execute(query).first() is not None


def page_link(base_path: str, items: Sequence[tuple[str, str]], cursor: str | None) -> str | None:
    """Absolute URL of a neighbouring page: the original parameters (sorted) plus `cursor`."""
    if cursor is None:
        return None
    params: dict[str, list[str]] = {}
    for key, value in items:
        if key != "cursor" and value != "":
            params.setdefault(key, []).append(value)
    params["cursor"] = [cursor]
    return f"{base_path}?{urlencode(sorted(params.items()), doseq=True)}"
