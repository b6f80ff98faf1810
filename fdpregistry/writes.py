"""Creating, updating and deleting records (docs/registry-api.md).

Validation runs in the reference's order: stage 1 per field in JSON field order (type, required,
null/blank, length, format, single-field uniqueness), stage 2 multi-field uniqueness, then the
checks the reference leaves to its database (CHECK constraints, duplicate uuids, the
external_object tuple). Each request runs in one transaction, side effects included.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Connection, RowMapping, Table, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from fdpregistry.auth import Caller
from fdpregistry.database import inserted_id
from fdpregistry.http import ApiError
from fdpregistry.links import DOES_NOT_EXIST, LinkError, parse_link
from fdpregistry.models import table_named
from fdpregistry.schema import (
    BOOL,
    DATETIME,
    INT,
    LINK,
    LINKS,
    NAME,
    SEMVER,
    URL,
    UUID,
    Field,
    TypeSpec,
    target_table,
)
from fdpregistry.statements import existing_ids, first_match, insert_into
from fdpregistry.values import (
    Invalid,
    check_name,
    check_semver,
    check_string,
    check_url,
    parse_body_datetime,
    parse_bool,
    parse_int,
    parse_uuid,
)

Mode = Literal["create", "put", "patch"]
_COMPONENTS = table_named("object_component")
_DATA_PRODUCTS = table_named("data_product")
_EXTERNAL_IDENTITY = (
    "identifier",
    "alternate_identifier",
    "alternate_identifier_type",
    "title",
    "version",
)


@dataclass
class Changes:
    """Validated values: `columns` for the record's own row, `links` for to-many sets."""

    columns: dict[str, Any] = field(default_factory=dict)
    links: dict[str, list[int]] = field(default_factory=dict)


class CheckAnswers(Protocol):
    """Answers to validation's questions about other records, given for many creates at once
    (`answer_checks_with`; fdpregistry/bulk_create.py)."""

    def existing_ids(self, conn: Connection, table: Table, ids: list[int]) -> set[int]:
        """Which of `ids` are records of `table`."""

    def taken(self, conn: Connection, table: Table, values: dict[str, Any]) -> bool:
        """Whether a record of `table` holds these column values."""


def now() -> datetime:
    return datetime.now(UTC)


def author_uuid(identifier: str) -> str:
    """The uuid every registry derives for an author from its identifier."""
    return str(uuid.UUID(hex=hashlib.sha256(identifier.encode("utf-8")).hexdigest()[::2]))


def body_object(body: Any) -> dict[str, Any]:
    """The request body as a dict (empty body = {}); 400 for other JSON values."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        kind = type(body).__name__
        raise ApiError(
            400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
        )
    return body


# --- public operations ------------------------------------------------------------------------


def create_record(conn: Connection, spec: TypeSpec, body: Any, caller: Caller) -> int:
    """Validate and insert one record with its side effects; returns the new id."""
    changes = validate(conn, spec, body_object(body), "create", None)
    values = new_row(changes, caller)
    with _transaction(conn, spec):
        record_id = inserted_id(conn.execute(insert_into(spec.table), values))
        for name, ids in changes.links.items():
            _replace_links(conn, spec, name, record_id, ids)
        if spec.name == "object":
            _create_whole_object_component(conn, record_id, caller, values["last_updated"])
    return record_id


def new_row(changes: Changes, caller: Caller) -> dict[str, Any]:
    """The row a validated create inserts."""
    return {**changes.columns, "last_updated": now(), "updated_by_id": caller.id}


def update_record(
    conn: Connection, spec: TypeSpec, current: RowMapping, body: Any, caller: Caller, mode: Mode
) -> None:
    """Validate and apply a PUT (full) or PATCH (partial) update."""
    changes = validate(conn, spec, body_object(body), mode, current)
    values = {**changes.columns, "last_updated": now(), "updated_by_id": caller.id}
    with _transaction(conn, spec):
        conn.execute(update(spec.table).where(spec.table.c.id == current["id"]).values(**values))
        for name, ids in changes.links.items():
            _replace_links(conn, spec, name, current["id"], ids)


def delete_record(conn: Connection, spec: TypeSpec, record_id: int) -> None:
    with _transaction(conn, spec):
        for field_spec in spec.fields:
            if field_spec.kind == LINKS and field_spec.through is not None:
                through = field_spec.through
                conn.execute(
                    delete(through.table).where(through.table.c[through.owner] == record_id)
                )
        conn.execute(delete(spec.table).where(spec.table.c.id == record_id))


# --- validation -------------------------------------------------------------------------------


def validate(
    conn: Connection, spec: TypeSpec, body: dict[str, Any], mode: Mode, current: RowMapping | None
) -> Changes:
    changes = _stage_one(conn, spec, body, mode, current)
    _stage_two(conn, spec, changes, mode, current)
    _database_rules(conn, spec, changes, current)
    return changes


def _stage_one(
    conn: Connection, spec: TypeSpec, body: dict[str, Any], mode: Mode, current: RowMapping | None
) -> Changes:
    changes = Changes()
    errors: dict[str, list[str]] = {}
    first_is_unique = False
    current_id = current["id"] if current is not None else None
    for field_spec in spec.fields:
        if not field_spec.writable:
            continue
        name = field_spec.name
        if name not in body:
            if mode != "patch":
                if field_spec.required or (mode == "put" and field_spec.required_on_put):
                    errors[name] = ["This field is required."]
                elif mode == "create" or field_spec.kind == UUID:
                    _apply_default(field_spec, changes)
            continue
        try:
            value = _check_value(conn, field_spec, body[name])
        except Invalid as error:
            errors[name] = [error.message]
            continue
        if (
            field_spec.unique
            and value not in (None, "")
            and _taken(conn, spec, {field_spec.column: value}, current_id)
        ):
            if not errors:
                first_is_unique = True
            errors[name] = [f"{_words(spec.name)} with this {_words(name)} already exists."]
            continue
        _store(field_spec, value, changes)
    if errors:
        first = next(iter(errors))
        if first_is_unique and mode == "create":
            raise ApiError.detail(409, f"Field {first} must be unique")
        raise ApiError(400, errors)
    return changes


def _apply_default(field_spec: Field, changes: Changes) -> None:
    if field_spec.kind == UUID:
        changes.columns["uuid"] = str(uuid.uuid4())
    elif field_spec.kind == LINKS:
        changes.links[field_spec.name] = []
    elif field_spec.has_default:
        changes.columns[field_spec.column] = field_spec.default


def _store(field_spec: Field, value: Any, changes: Changes) -> None:
    if field_spec.kind == LINKS:
        changes.links[field_spec.name] = value
    else:
        changes.columns[field_spec.column] = value


def _check_value(conn: Connection, field_spec: Field, value: Any) -> Any:
    kind = field_spec.kind
    if kind == LINK and value == "":
        value = None
    if value is None:
        if field_spec.nullable:
            return None
        raise Invalid("This field may not be null.")
    if kind == LINK:
        return _existing_ids(conn, field_spec, [_link_id(value, field_spec)])[0]
    if kind == LINKS:
        if not isinstance(value, list):
            raise Invalid(f'Expected a list of items but got type "{type(value).__name__}".')
        ids = [_link_id(item, field_spec) for item in value]
        return list(dict.fromkeys(_existing_ids(conn, field_spec, ids)))
    if kind == BOOL:
        return parse_bool(value)
    if kind == INT:
        return parse_int(value)
    if kind == UUID:
        return parse_uuid(value)
    if kind == DATETIME:
        return parse_body_datetime(value)
    if kind == SEMVER and isinstance(value, str) and value != value.strip():
        raise Invalid(f"Version {value} is not a valid semantic version.")
    text = check_string(value, max_length=field_spec.max_length, allow_blank=field_spec.nullable)
    if kind == NAME:
        return check_name(text)
    if kind == SEMVER:
        return check_semver(text)
    if kind == URL:
        return check_url(text)
    return text


def _link_id(value: Any, field_spec: Field) -> int:
    assert field_spec.target is not None
    try:
        return parse_link(value, field_spec.target)
    except LinkError as error:
        raise Invalid(error.message) from None


def _existing_ids(conn: Connection, field_spec: Field, ids: list[int]) -> list[int]:
    assert field_spec.target is not None
    if not ids:
        return ids
    table = target_table(field_spec.target)
    answers = _answers(conn)
    found = (
        answers.existing_ids(conn, table, ids)
        if answers is not None
        else set(conn.execute(existing_ids(table), {"ids": list(set(ids))}).scalars())
    )
    if any(record_id not in found for record_id in ids):
        raise Invalid(DOES_NOT_EXIST)
    return ids


def _taken(
    conn: Connection, spec: TypeSpec, values: dict[str, Any], exclude_id: int | None
) -> bool:
    answers = _answers(conn)
    if answers is not None and exclude_id is None:
        return answers.taken(conn, spec.table, values)
    statement = first_match(spec.table, tuple(values), exclude_id is not None)
    params = {f"c{i}": value for i, value in enumerate(values.values())}
    if exclude_id is not None:
        params["exclude"] = exclude_id
    return conn.execute(statement, params).first() is not None


def _words(name: str) -> str:
    return name.replace("_", " ")


def _stage_two(
    conn: Connection, spec: TypeSpec, changes: Changes, mode: Mode, current: RowMapping | None
) -> None:
    current_id = current["id"] if current is not None else None
    for together in spec.unique_together:
        values: dict[str, Any] = {}
        for name in together.fields:
            column = spec.by_name[name].column
            if column in changes.columns:
                values[column] = changes.columns[column]
            elif current is not None:
                values[column] = current[column]
        if len(values) < len(together.fields) or any(v is None for v in values.values()):
            continue
        if _taken(conn, spec, values, current_id):
            if mode == "create":
                raise ApiError.detail(409, "Field non_field_errors must be unique")
            names = ", ".join(together.fields)
            raise ApiError(
                400, {"non_field_errors": [f"The fields {names} must make a unique set."]}
            )


def _database_rules(
    conn: Connection, spec: TypeSpec, changes: Changes, current: RowMapping | None
) -> None:
    """What the reference leaves to its database: CHECKs, uuid and tuple uniqueness (409)."""
    columns = changes.columns
    merged = {**(dict(current) if current is not None else {}), **columns}
    if spec.name == "author":
        if merged.get("identifier"):
            columns["uuid"] = author_uuid(merged["identifier"])
        if merged.get("identifier") is None and merged.get("name") is None:
            raise _check_failed("data_management_author_identifier_and_or_name")
    if spec.name == "issue" and columns.get("severity", 0) < 0:
        raise _check_failed("severity")
    if spec.name == "external_object":
        _external_object_rules(conn, spec, columns, current)
    current_id = current["id"] if current is not None else None
    if "uuid" in columns and _taken(conn, spec, {"uuid": columns["uuid"]}, current_id):
        raise ApiError.detail(409, f"UNIQUE constraint failed: {spec.db_label}.uuid")


def _external_object_rules(
    conn: Connection, spec: TypeSpec, columns: dict[str, Any], current: RowMapping | None
) -> None:
    if current is None:
        product_id = columns["data_product_id"]
        version = conn.execute(
            select(_DATA_PRODUCTS.c.version).where(_DATA_PRODUCTS.c.id == product_id)
        ).scalar_one()
        columns["version"] = version
    if columns.get("identifier") is None and (
        columns.get("alternate_identifier") is None
        or columns.get("alternate_identifier_type") is None
    ):
        raise _check_failed("data_management_externalobject_identifier_or_alternate_identifier")
    identity = {name: columns.get(name) for name in _EXTERNAL_IDENTITY}
    if all(value is not None for value in identity.values()) and _taken(conn, spec, identity, None):
        listed = ", ".join(f"{spec.db_label}.{name}" for name in _EXTERNAL_IDENTITY)
        raise ApiError.detail(409, f"UNIQUE constraint failed: {listed}")


def _check_failed(name: str) -> ApiError:
    return ApiError.detail(409, f"CHECK constraint failed: {name}")


# --- writing ----------------------------------------------------------------------------------


_HOLD_COMMITS = "fdp.hold_commits"
_CHECK_ANSWERS = "fdp.check_answers"


def answer_checks_with(conn: Connection, answers: CheckAnswers | None) -> None:
    """Let `answers` answer the existence and uniqueness questions of creates validated on
    `conn` (a bulk create asks them for many records at once); None: the database again."""
    if answers is None:
        conn.info.pop(_CHECK_ANSWERS, None)
    else:
        conn.info[_CHECK_ANSWERS] = answers


def _answers(conn: Connection) -> CheckAnswers | None:
    answers: CheckAnswers | None = conn.info.get(_CHECK_ANSWERS)
    return answers


def hold_commits(conn: Connection, hold: bool = True) -> None:
    """Make the writes on `conn` wait for its caller's own commit (one transaction for many
    creates: `POST /fdp/bulk/push` with `atomic`); a refused write still rolls back, all of it."""
    if hold:
        conn.info[_HOLD_COMMITS] = True
    else:
        conn.info.pop(_HOLD_COMMITS, None)


def commits_held(conn: Connection) -> bool:
    return bool(conn.info.get(_HOLD_COMMITS))


class _transaction:
    """Commit on success, roll back on failure; database refusals become 409/400, never 500."""

    def __init__(self, conn: Connection, spec: TypeSpec) -> None:
        self._conn = conn
        self._spec = spec

    def __enter__(self) -> None:
        if not self._conn.in_transaction():
            self._conn.begin()

    def __exit__(self, kind: Any, error: Any, _tb: Any) -> None:
        if error is None:
            if not commits_held(self._conn):
                self._conn.commit()
            return
        self._conn.rollback()
        if isinstance(error, IntegrityError):
            raise ApiError.detail(409, _integrity_text(self._spec, error)) from None
        if isinstance(error, DBAPIError) and not error.connection_invalidated:
            raise ApiError.detail(400, "The database refused the values of this record.") from None


def _integrity_text(spec: TypeSpec, error: IntegrityError) -> str:
    """The reference's SQLite wording for a constraint the checks above did not catch."""
    message = str(error.orig)
    if "CHECK" in message.upper():
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        return f"CHECK constraint failed: {constraint or message.rsplit(':', 1)[-1].strip()}"
    if "FOREIGN KEY" in message.upper() or "foreign key" in message:
        return "FOREIGN KEY constraint failed"
    return f"UNIQUE constraint failed: {spec.db_label}"


def _replace_links(
    conn: Connection, spec: TypeSpec, name: str, record_id: int, ids: list[int]
) -> None:
    through = spec.by_name[name].through
    assert through is not None
    table = through.table
    conn.execute(delete(table).where(table.c[through.owner] == record_id))
    if ids:
        conn.execute(
            insert(table), [{through.owner: record_id, through.other: other} for other in ids]
        )


def _create_whole_object_component(
    conn: Connection, object_id: int, caller: Caller, stamp: datetime
) -> None:
    conn.execute(insert_into(_COMPONENTS), whole_object_component(object_id, caller, stamp))


def whole_object_component(object_id: int, caller: Caller, stamp: datetime) -> dict[str, Any]:
    """The row of the whole_object component every new object is created with."""
    return {
        "name": "whole_object",
        "description": None,
        "whole_object": True,
        "object_id": object_id,
        "last_updated": stamp,
        "updated_by_id": caller.id,
    }
