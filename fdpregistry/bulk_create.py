"""The atomic `POST /fdp/bulk/push` (fdpregistry/bulk.py) in batches, not item by item.

A batch is a run of consecutive items of one record type and natural key fields, none naming
another of the run by reference; a namespace item is a batch of its own (a new namespace must
not look like any other, new ones included: fdpregistry/lookalikes.py). Per batch, after its
references are resolved to the records of earlier batches:

1. the items that look first are looked up together: one SELECT per chunk over their natural
   keys (`_find_all`), the look-up's filters being implied by the key (an item whose look-up says
   more is looked up alone, as before);
2. the rest are created: each body passes the single create's validation (`validate`), whose
   questions about other records (do the links exist, is a unique value taken) are answered for
   the whole batch in a few queries (`BatchAnswers`), values taken by an earlier item of the
   batch counting as taken; in shared mode each passes the single create's ownership check
   (`check_creates`: object creators and namespace owners read once); then one INSERT per
   table: the records, their link rows, the whole_object components of new objects; the records
   are read back and serialised a chunk at a time.

Batches see the records of earlier batches, as an item saw those of earlier items; within a
batch, creating a record only adds what later items' checks could lean on (links, owners of
objects), and the uniqueness questions count the batch's own records. So where every item
succeeds here, each would have succeeded item by item with the same answer. Where any item
fails (a refusal, a conflict, a record found that must be new, two items with one natural key),
`push_in_batches` answers None: the caller rolls back and runs the request item by item, whose
answer names the first item that failed, as before. An item's key must describe its body (as
fdp's copier sends it): a record made in the batch is found again only by an equal key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, insert, or_, select
from sqlalchemy.exc import DBAPIError

from fdpregistry.auth import Caller
from fdpregistry.bulk_items import Resolved, comparable, find, refs_in, resolve_item
from fdpregistry.http import ApiError
from fdpregistry.models import table_named
from fdpregistry.ownership import check_creates, record_creation
from fdpregistry.schema import BOOL, INT, LINK, SPECS, STRING_KINDS, UUID, TypeSpec
from fdpregistry.serialize import serialize
from fdpregistry.statements import (
    BOUND_VALUES,
    chunks,
    existing_ids,
    first_match,
    insert_into,
)
from fdpregistry.writes import (
    Changes,
    answer_checks_with,
    new_row,
    validate,
    whole_object_component,
)

_COMPONENTS = table_named("object_component")
_LOOKALIKE_CHECKED = frozenset({"namespace"})  # created one at a time
Item = dict[str, Any]
Result = dict[str, Any]


def push_in_batches(
    conn: Connection, items: list[Item], caller: Caller, shared: bool, base: str
) -> list[Result] | None:
    """Each item's answer ({"status": 200 or 201, "record"}), in the order asked; None when any
    item fails (what is made is left to the caller's rollback)."""
    resolved: Resolved = {}
    results: dict[int, Result] = {}
    for indexes in _batches(items):
        batch = _run_batch(conn, [resolve_item(items[i], resolved) for i in indexes], caller,
                           shared, base)  # fmt: skip
        if batch is None:
            return None
        for index, result in zip(indexes, batch, strict=True):
            results[index] = result
            if isinstance(items[index].get("ref"), str):
                resolved[items[index]["ref"]] = result["record"]
    return [results[index] for index in range(len(items))]


def _batches(items: list[Item]) -> Iterator[list[int]]:
    """Runs of consecutive items of one type, with the same natural key fields (a record made
    for one is found for another only by an equal key), that do not refer to each other."""
    batch: list[int] = []
    refs: set[str] = set()
    for index, item in enumerate(items):
        if batch and (
            item["type"] != items[batch[0]]["type"]
            or set(item.get("key") or {}) != set(items[batch[0]].get("key") or {})
            or item["type"] in _LOOKALIKE_CHECKED
            or any(ref in refs for ref in refs_in(item))
        ):
            yield batch
            batch, refs = [], set()
        batch.append(index)
        if isinstance(item.get("ref"), str):
            refs.add(item["ref"])
    if batch:
        yield batch


def _run_batch(
    conn: Connection, items: list[Item], caller: Caller, shared: bool, base: str
) -> list[Result] | None:
    spec = SPECS[items[0]["type"]]
    if _repeats_a_key(items):
        return None
    looking = [index for index, item in enumerate(items) if _looks_first(item)]
    answers = _find_all(conn, spec, [items[index] for index in looking], base)
    found = dict(zip(looking, answers, strict=True))
    results: dict[int, Result] = {}
    creating: list[int] = []
    for index, item in enumerate(items):
        record = found.get(index)
        if record is not None and not item.get("must_create"):
            results[index] = {"status": 200, "record": record}
        elif record is not None or item.get("find_only"):
            return None
        else:
            creating.append(index)
    created = _create_all(conn, spec, [items[index]["body"] for index in creating], caller, shared)
    if created is None:
        return None
    for index, record in zip(creating, _records(conn, spec, created, base), strict=True):
        results[index] = {"status": 201, "record": record}
    return [results[index] for index in range(len(items))]


def _looks_first(item: Item) -> bool:
    return bool((item.get("find_first") or item.get("find_only")) and item.get("key"))


def _repeats_a_key(items: list[Item]) -> bool:
    """Whether two items name one natural key (item by item, the later one finds the earlier's
    record or is refused as a duplicate)."""
    keys = [
        tuple(sorted((name, repr(comparable(value))) for name, value in item["key"].items()))
        for item in items
        if item.get("key")
    ]
    return len(set(keys)) < len(keys)


# --- finding ----------------------------------------------------------------------------------


def _find_all(
    conn: Connection, spec: TypeSpec, items: list[Item], base: str
) -> list[dict[str, Any] | None]:
    """Per item, the record `find` would answer: those whose look-up the key implies in one
    SELECT per chunk, the others one by one."""
    found: list[dict[str, Any] | None] = [None] * len(items)
    together: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        columns = _key_columns(spec, item["key"], item.get("lookup") or {})
        if columns is None:
            found[index] = find(conn, spec, item.get("lookup") or {}, item["key"], base)
        else:
            together.append((index, columns))
    width = max((len(item["key"]) for item in items), default=1)
    for chunk in chunks(together, BOUND_VALUES // width):
        condition = _any_of(spec, [columns for _, columns in chunk])
        statement = select(spec.table).where(condition).order_by(spec.table.c.id)
        candidates = serialize(conn, spec, conn.execute(statement).mappings().all(), base)
        first: dict[tuple[Any, ...], dict[str, Any]] = {}  # the lowest id per key, as `find`
        for names in {tuple(items[index]["key"]) for index, _ in chunk}:
            for record in candidates:
                first.setdefault(_key_of(names, record), record)
        for index, _ in chunk:
            key = items[index]["key"]
            found[index] = first.get(_key_of(tuple(key), key))
    return found


def _key_of(names: tuple[str, ...], values: dict[str, Any]) -> tuple[Any, ...]:
    return (names, *(comparable(values.get(name)) for name in names))


def _key_columns(
    spec: TypeSpec, key: dict[str, Any], lookup: dict[str, Any]
) -> dict[str, Any] | None:
    """The column values of the records whose `key` fields equal the item's (as `same` compares
    them; None: null, or blank for text); None where SQL cannot say it or the look-up says more
    than the key."""
    if not all(_implied(spec, name, value, key) for name, value in lookup.items()):
        return None
    columns: dict[str, Any] = {}
    for name, value in key.items():
        field = spec.by_name.get(name)
        if field is None or field.kind not in (LINK, BOOL, INT, UUID, *STRING_KINDS):
            return None
        sent = comparable(value)
        if field.kind == LINK and sent is not None:
            sent = _link_id(sent, str(field.target))
            if sent is None:
                return None
        elif sent is not None and not _fits(field.kind, sent):
            return None
        columns[field.column] = sent
    return columns


def _any_of(spec: TypeSpec, keys: Sequence[dict[str, Any]]) -> ColumnElement[bool]:
    """The rows whose every key column holds a value one of `keys` (of the same columns) gives
    it: the rows of the keys and maybe more (the caller compares each), one IN per column."""
    blank_is_null = {f.column for f in spec.fields if f.kind in STRING_KINDS}
    conditions: list[ColumnElement[bool]] = []
    for name in keys[0]:
        column = spec.table.c[name]
        values = {key[name] for key in keys}
        condition: ColumnElement[bool] = column.in_(sorted(values - {None}, key=repr))
        if None in values:
            blank = [column == ""] if name in blank_is_null else []
            condition = or_(condition, column.is_(None), *blank)
        conditions.append(condition)
    return and_(*conditions)


def _implied(spec: TypeSpec, name: str, value: Any, key: dict[str, Any]) -> bool:
    """Whether a look-up filter finds every record the key finds: it filters on a key field,
    for the key's value."""
    field = spec.by_name.get(name)
    if field is None or name not in key or field.filter is None or name in spec.reverse_filters:
        return False
    if field.kind == LINK:
        sent = comparable(key[name])
        return type(value) is int and _link_id(sent, str(field.target)) == value
    return type(value) is type(key[name]) and value == key[name]


def _link_id(sent: Any, target: str) -> int | None:
    """The id of a link to a `target` record, as `comparable` gives it; None for anything else."""
    if not isinstance(sent, tuple):
        return None
    _, _, kind, raw_id, _ = sent[1].split("/")
    return int(raw_id) if kind == target else None


def _fits(kind: str, value: Any) -> bool:
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


# --- creating ---------------------------------------------------------------------------------


def _create_all(
    conn: Connection, spec: TypeSpec, bodies: list[dict[str, Any]], caller: Caller, shared: bool
) -> list[int] | None:
    """The ids of the records made of `bodies`, in order; None if any is refused."""
    if not bodies:
        return []
    try:
        if shared:
            check_creates(conn, spec, bodies, caller)
        ids = _insert_all(conn, spec, _validate_all(conn, spec, bodies), caller)
        if shared:
            for record_id in ids:
                record_creation(conn, spec, record_id, caller)
    except (ApiError, DBAPIError):
        return None
    return ids


def _validate_all(conn: Connection, spec: TypeSpec, bodies: list[dict[str, Any]]) -> list[Changes]:
    """Each body validated as a single create, in order: once to learn the questions about other
    records, then with their answers fetched for all at once."""
    answers = BatchAnswers()
    answer_checks_with(conn, answers)
    try:
        for body in bodies:
            validate(conn, spec, body, "create", None)
        answers.fetch(conn)
        changes = []
        for body in bodies:
            changes.append(validate(conn, spec, body, "create", None))
            answers.claim()
    finally:
        answer_checks_with(conn, None)
    return changes


def _insert_all(
    conn: Connection, spec: TypeSpec, changes: list[Changes], caller: Caller
) -> list[int]:
    """One INSERT per table for the records, their link rows and their whole_object
    components; the new ids in order."""
    rows = [new_row(change, caller) for change in changes]
    ids: list[int] = []
    for group in _same_columns(rows):
        ids += _inserted_ids(conn, spec.table, group)
    for field in spec.fields:
        through = field.through
        link_rows = [
            {through.owner: record_id, through.other: other}
            for record_id, change in zip(ids, changes, strict=True)
            for other in change.links.get(field.name, [])
        ] if through is not None else []  # fmt: skip
        if through is not None and link_rows:
            conn.execute(insert(through.table), link_rows)
    if spec.name == "object":
        components = [
            whole_object_component(record_id, caller, row["last_updated"])
            for record_id, row in zip(ids, rows, strict=True)
        ]
        conn.execute(insert_into(_COMPONENTS), components)
    return ids


def _inserted_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT `rows` (a few statements: SQLAlchemy's "insertmanyvalues"); their ids in order.
    SQLite numbers the rows of an INSERT in their order, each one past the largest id, but
    returns them in any order (asked for them in order, SQLAlchemy would insert row by row);
    PostgreSQL is asked for them in order."""
    if conn.dialect.name == "sqlite":
        return sorted(conn.execute(insert(table).returning(table.c.id), rows).scalars())
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(conn.execute(statement, rows).scalars())


def _same_columns(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Consecutive rows with the same columns (one executemany each)."""
    group: list[dict[str, Any]] = []
    for row in rows:
        if group and set(row) != set(group[0]):
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def _records(conn: Connection, spec: TypeSpec, ids: list[int], base: str) -> list[dict[str, Any]]:
    """The records just made, serialised, in the order of `ids`."""
    by_id: dict[int, dict[str, Any]] = {}
    for chunk in chunks(ids):
        statement = select(spec.table).where(spec.table.c.id.in_(chunk))
        rows = conn.execute(statement).mappings().all()
        records = serialize(conn, spec, rows, base, just_created=True)
        by_id.update((int(row["id"]), record) for row, record in zip(rows, records, strict=True))
    return [by_id[record_id] for record_id in ids]


# --- validation's questions, for a batch ------------------------------------------------------


class BatchAnswers:
    """Validation's questions about other records (`writes.CheckAnswers`) for a batch of creates:
    while recording, answered hopefully (every link exists, no value is taken); `fetch` asks the
    database all of them at once, a few queries per table; then answered from what it said, a
    value `claim`ed by an earlier record of the batch counting as taken (a question not asked
    while recording goes to the database)."""

    def __init__(self) -> None:
        self._ids: dict[Table, set[int]] = {}  # asked
        self._existing: dict[Table, set[int]] | None = None  # fetched
        self._values: dict[tuple[Table, tuple[str, ...]], set[tuple[Any, ...]]] = {}  # asked
        self._taken: dict[tuple[Table, tuple[str, ...]], set[tuple[Any, ...]]] = {}
        self._asked_now: list[tuple[tuple[Table, tuple[str, ...]], tuple[Any, ...]]] = []

    def existing_ids(self, conn: Connection, table: Table, ids: list[int]) -> set[int]:
        if self._existing is None:
            self._ids.setdefault(table, set()).update(ids)
            return set(ids)
        asked = self._ids.get(table, set())
        found = self._existing.get(table, set()) & set(ids)
        unasked = list(set(ids) - asked)
        if unasked:
            found |= set(conn.execute(existing_ids(table), {"ids": unasked}).scalars())
        return found

    def taken(self, conn: Connection, table: Table, values: dict[str, Any]) -> bool:
        group, row = (table, tuple(values)), tuple(values.values())
        if self._existing is None:
            self._values.setdefault(group, set()).add(row)
            return False
        self._asked_now.append((group, row))
        if row in self._taken.get(group, set()):
            return True
        if row in self._values.get(group, set()):
            return False
        params = {f"c{i}": value for i, value in enumerate(row)}
        return conn.execute(first_match(table, group[1], False), params).first() is not None

    def fetch(self, conn: Connection) -> None:
        self._existing = {
            table: {
                found
                for chunk in chunks(sorted(ids))
                for found in conn.execute(existing_ids(table), {"ids": list(chunk)}).scalars()
            }
            for table, ids in self._ids.items()
        }
        for (table, columns), rows in self._values.items():
            self._taken[(table, columns)] = _held_rows(conn, table, columns, rows)

    def claim(self) -> None:
        """The values the record just validated asked about are taken from now on."""
        for group, row in self._asked_now:
            self._taken.setdefault(group, set()).add(row)
        self._asked_now = []


def _held_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: set[tuple[Any, ...]]
) -> set[tuple[Any, ...]]:
    """Which of `rows` (values of `columns`) records of `table` hold."""
    held: set[tuple[Any, ...]] = set()
    selected = [table.c[column] for column in columns]
    for chunk in chunks(sorted(rows, key=repr), BOUND_VALUES // len(columns)):
        condition = and_(*(
            column.in_(sorted({row[i] for row in chunk}, key=repr))
            for i, column in enumerate(selected)
        ))  # fmt: skip
        held |= {tuple(found) for found in conn.execute(select(*selected).where(condition))}
    return held & rows
