"""Query strings → SQL conditions for list requests (docs/registry-api.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, false, select

from fdpregistry.http import ApiError
from fdpregistry.links import MAX_ID
from fdpregistry.schema import Field, TypeSpec, target_table
from fdpregistry.values import Invalid, parse_datetime, parse_uuid

PAGING_KEYS = ("cursor", "format", "ordering", "page_size")
_GLOB_META = frozenset("*?[")


def allowed_keys_error(keys: Sequence[str]) -> ApiError:
    listed = ", ".join(keys)
    return ApiError.detail(
        400, f"Invalid query arguments, only query arguments [{listed}] are allowed"
    )


def check_keys(items: Sequence[tuple[str, str]], allowed: Sequence[str]) -> None:
    """400 when a key outside `allowed` is present."""
    allowed_set = set(allowed)
    if any(key not in allowed_set for key, _ in items):
        raise allowed_keys_error(allowed)


def build_conditions(
    conn: Connection, spec: TypeSpec, items: Sequence[tuple[str, str]]
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a list request's filters; 400 for unknown keys or bad values."""
    check_keys(items, [*spec.filter_fields, *PAGING_KEYS])
    scalars: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in items:
        scalars[key] = value  # repeated scalar key: the last value wins
        multi.setdefault(key, []).append(value)
    conditions: list[ColumnElement[bool]] = []
    errors: dict[str, list[str]] = {}
    for key in scalars:
        field = spec.by_name.get(key)
        if field is None or field.filter is None or key in spec.reverse_filters:
            continue  # paging keys and accepted-but-ignored reverse names
        try:
            condition = _condition(conn, spec, field, scalars[key], multi[key])
        except _BadFilter as error:
            errors[key] = [error.message]
            continue
        if condition is not None:
            conditions.append(condition)
    if errors:
        raise ApiError(400, errors)
    return conditions


class _BadFilter(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _condition(
    conn: Connection, spec: TypeSpec, field: Field, value: str, values: list[str]
) -> ColumnElement[bool] | None:
    kind = field.filter
    if kind == "m2m":
        return _m2m(conn, spec, field, values)
    if value == "":
        return None
    column = spec.table.c[field.column]
    if kind == "text":
        return column == value
    if kind == "glob":
        return glob_condition(conn, column, value)
    if kind == "bool":
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return column.is_(True)
        if lowered in ("false", "0"):
            return column.is_(False)
        return None  # other values are silently ignored
    if kind in ("fk", "int"):
        number = _integer(value, "Enter a number.")
        return column == number if abs(number) <= MAX_ID else false()
    if kind == "datetime":
        instant = parse_datetime(value)
        if instant is None:
            raise _BadFilter("Enter a valid date/time.")
        return column == instant
    if kind == "uuid":
        try:
            return column == parse_uuid(value)
        except Invalid:
            raise _BadFilter("Enter a valid UUID.") from None
    return None


def _integer(value: str, message: str) -> int:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,30}", text):
        raise _BadFilter(message)
    return int(text)


def _m2m(
    conn: Connection, spec: TypeSpec, field: Field, values: list[str]
) -> ColumnElement[bool] | None:
    """Records linked to any of the ids (key repeatable and/or comma-separated)."""
    raw_ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not raw_ids:  # as the reference (django-filter's ModelMultipleChoiceFilter): no id is 400
        raise _BadFilter(f"“{values[-1].strip()}” is not a valid value.")
    ids: list[int] = []
    for raw in raw_ids:
        if not re.fullmatch(r"\d{1,18}", raw):
            raise _BadFilter(_not_a_choice(raw))
        ids.append(int(raw))
    assert field.target is not None and field.through is not None
    target = target_table(field.target)
    existing = set(conn.execute(select(target.c.id).where(target.c.id.in_(ids))).scalars())
    for number in ids:
        if number not in existing:
            raise _BadFilter(_not_a_choice(str(number)))
    through = field.through.table
    owners = select(through.c[field.through.owner]).where(through.c[field.through.other].in_(ids))
    return spec.table.c.id.in_(owners)


def _not_a_choice(value: str) -> str:
    return f"Select a valid choice. {value} is not one of the available choices."


def glob_condition(conn: Connection, column: Column[Any], pattern: str) -> ColumnElement[bool]:
    """Shell-glob match over the whole string, case-sensitive; `*` crosses `/`."""
    if not _GLOB_META.intersection(pattern):
        return column == pattern
    if conn.dialect.name == "sqlite":
        # SQLite's GLOB has exactly these semantics (negation spelled `[^`); with a literal
        # prefix it uses the column's index.
        return column.op("GLOB")(pattern.replace("[!", "[^"))
    return column.regexp_match(glob_to_regex(pattern))


def glob_to_regex(pattern: str) -> str:
    """An anchored POSIX regular expression equivalent to a shell glob."""
    out = ["^"]
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^' if negate else ''}{body}]")
            i = end
        else:
            out.append(char if char.isalnum() else f"\\{char}")
        i += 1
    out.append("$")
    return "".join(out)
