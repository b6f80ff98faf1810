"""OPTIONS metadata of the model routes (docs/registry-api.md)."""

from __future__ import annotations

from typing import Any

from fdpregistry.schema import (
    BOOL,
    DATETIME,
    INT,
    LINK,
    LINKS,
    NAME,
    SEMVER,
    STR,
    TEXT,
    URL,
    UUID,
    Field,
    TypeSpec,
)

RENDERS = ["application/json", "text/html"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
_TYPES = {
    STR: "string", TEXT: "string", NAME: "string", SEMVER: "string", UUID: "string",
    URL: "url", BOOL: "boolean", DATETIME: "datetime", INT: "integer",
}  # fmt: skip


def options_body(
    spec: TypeSpec, *, collection: bool, writer: bool, method: str | None
) -> dict[str, Any]:
    """The OPTIONS answer; `actions` only when an authenticated caller may use `method`."""
    body: dict[str, Any] = {
        "name": f"{spec.words} {'List' if collection else 'Instance'}",
        "description": spec.description,
        "renders": RENDERS,
        "parses": PARSES,
    }
    if writer and method is not None:
        body["actions"] = {method: {f.name: _descriptor(f) for f in spec.fields}}
    body["filter_fields"] = spec.filter_fields
    return body


def _descriptor(field: Field) -> dict[str, Any]:
    read_only = not field.writable
    descriptor: dict[str, Any] = {
        "type": _TYPES.get(field.kind, "field") if field.kind not in (LINK, LINKS) else "field",
        "required": field.required or field.required_on_put,
        "read_only": read_only,
        "label": field.label or field.name.replace("_", " ").capitalize(),
    }
    if field.max_length is not None and field.kind not in (LINK, LINKS):
        descriptor["max_length"] = field.max_length
    return descriptor


def simple_options_body(words: str, *, collection: bool, description: str) -> dict[str, Any]:
    """OPTIONS of users and groups: no actions, no filter_fields."""
    return {
        "name": f"{words} {'List' if collection else 'Instance'}",
        "description": description,
        "renders": RENDERS,
        "parses": PARSES,
    }
