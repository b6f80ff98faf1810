"""fdp's bulk routes between fdp registries (docs/registry-api.md, "Bulk protocol").

`POST /fdp/bulk/push` finds or creates many records in one request: each item is what a client
would otherwise send as a look-up (`GET /api/<type>/?<lookup>`) and a create (`POST
/api/<type>/`). Items run in order, each with the rules of a single create (validation,
uniqueness, and in shared mode ownership: `check_create`, `record_creation`); a create refused
as a duplicate (409) is answered with the record that holds its natural key, so a retried
request creates nothing twice. Each item's answer is its own: one refused item does not stop the
others. An item may name itself (`ref`) and later items link to it by `{"ref": name}`. With
`atomic`, every item runs in one transaction (`hold_commits`), kept only if each one was found
or created as asked (`must_create`: created, not found); otherwise nothing is kept. An atomic
request runs a record type at a time (fdpregistry/bulk_create.py), and item by item again for
the answer when an item fails.

`POST /fdp/bulk/pull` answers the records of a closure: the roots, every record linked from a
record by the fields the client names per type (`follow`), and per object its children of the
types it names (`children`), as GETs would give them, in pages.

`POST /fdp/bulk/upload-slots` answers, per SHA-1, where to PUT a file's bytes (as `POST
/api/data/<sha1>` does) or null where the data store has them already.

Records are readable without a token here as in the REST API; writing needs one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from fdpd.store import StoreError, is_sha1_hex
from fdpregistry.auth import Caller
from fdpregistry.bulk_create import push_in_batches
from fdpregistry.bulk_items import Resolved, find, record_path, refs_in, resolve_item
from fdpregistry.datastore_api import NO_STORE, data_store_of
from fdpregistry.http import ApiError, json_response, read_json_body
from fdpregistry.links import base_url
from fdpregistry.management import require_caller
from fdpregistry.ownership import check_create, record_creation
from fdpregistry.schema import LINK, SPECS, TypeSpec
from fdpregistry.serialize import serialize
from fdpregistry.settings import RegistrySettings
from fdpregistry.statements import chunks, row_by_id
from fdpregistry.writes import create_record, hold_commits

BULK_PUSH = "/fdp/bulk/push"
BULK_PULL = "/fdp/bulk/pull"
BULK_UPLOAD_SLOTS = "/fdp/bulk/upload-slots"
MAX_ITEMS = 5_000  # items of one push request
MAX_ROOTS = 10_000
PAGE_SIZE = 2_000  # records of one pull answer
_NOT_COPIED = frozenset({"users", "groups", "user_author"})

router = APIRouter()


# --- push -------------------------------------------------------------------------------------


async def bulk_push(request: Request) -> Response:
    settings: RegistrySettings = request.app.state.settings
    try:
        caller = require_caller(request)
        body = await read_json_body(request, settings.max_body_bytes)
        items = _push_items(body)
        atomic = isinstance(body, dict) and body.get("atomic") is True
        engine: Engine = request.app.state.engine
        base = base_url(request)
        with engine.connect() as conn:
            if atomic:
                return json_response(_push_atomic(conn, items, caller, settings.shared, base))
            resolved: Resolved = {}
            results = [
                _push_one(conn, item, caller, settings.shared, base, resolved, atomic=False)
                for item in items
            ]
    except ApiError as error:
        return error.response()
    return json_response({"results": results})


def _push_atomic(
    conn: Connection, items: list[dict[str, Any]], caller: Caller, shared: bool, base: str
) -> dict[str, Any]:
    """Every item in one transaction, committed only if each one was found or created as
    asked (an item with `must_create` found already fails it); otherwise nothing is kept and
    the answer names the first item that failed. Run in batches of one type
    (fdpregistry/bulk_create.py); where any item fails, again item by item for the answer."""
    hold_commits(conn)
    try:
        results = push_in_batches(conn, items, caller, shared, base)
        if results is not None:
            conn.commit()
            return {"committed": True, "results": results}
        conn.rollback()  # an item failed: item by item, the answer names the first
        return _push_item_by_item(conn, items, caller, shared, base)
    finally:
        hold_commits(conn, False)


def _push_item_by_item(
    conn: Connection, items: list[dict[str, Any]], caller: Caller, shared: bool, base: str
) -> dict[str, Any]:
    resolved: Resolved = {}
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        result = _push_one(conn, item, caller, shared, base, resolved, atomic=True)
        if result["status"] == 201 or (result["status"] == 200 and not item.get("must_create")):
            results.append(result)
            continue
        conn.rollback()
        if result["status"] == 200:
            result = {"status": 409, "body": {"detail": "Exists already (must_create)."}}
        return {"committed": False, "failed": {"index": index, **result}}
    conn.commit()
    return {"committed": True, "results": results}


def _push_items(body: object) -> list[dict[str, Any]]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise ApiError(400, {"items": [f"A list of at most {MAX_ITEMS} items is required."]})
    errors: list[str] = []
    refs: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") not in _COPYABLE:
            errors.append(f"item {index}: needs a record type of this registry")
        elif not isinstance(item.get("body"), dict):
            errors.append(f"item {index}: needs a body (a JSON object)")
        elif not all(isinstance(item.get(k, {}), dict) for k in ("lookup", "key")):
            errors.append(f"item {index}: lookup and key must be JSON objects")
        elif not all(r in refs for r in refs_in(item)):
            errors.append(f"item {index}: refers to a ref no earlier item names")
        elif "ref" in item and (not isinstance(item["ref"], str) or item["ref"] in refs):
            errors.append(f"item {index}: ref must be a string no earlier item names")
        elif "ref" in item:
            refs.add(item["ref"])
    if errors:
        raise ApiError(400, {"items": errors})
    return items


def _push_one(
    conn: Connection,
    item: dict[str, Any],
    caller: Caller,
    shared: bool,
    base: str,
    resolved: Resolved,
    *,
    atomic: bool,
) -> dict[str, Any]:
    """One item, its references to earlier items replaced by their records' links (or ids, in
    the look-up); an item whose referenced item was refused is refused too (424)."""
    try:
        item = resolve_item(item, resolved)
    except LookupError as error:
        result: dict[str, Any] = {
            "status": 424,
            "body": {"detail": f"Depends on item ref {error.args[0]}, which was refused."},
        }
    else:
        result = _find_or_create(conn, item, caller, shared, base, atomic)
    if isinstance(item.get("ref"), str):
        resolved[item["ref"]] = result.get("record") if result["status"] in (200, 201) else None
    return result


def _find_or_create(
    conn: Connection,
    item: dict[str, Any],
    caller: Caller,
    shared: bool,
    base: str,
    atomic: bool = False,
) -> dict[str, Any]:
    """One item's answer: {"status": 200, "record"} found, 201 created, else the refusal.
    In an atomic request a refused create has rolled everything back: no finding again."""
    spec = SPECS[item["type"]]
    body: dict[str, Any] = item["body"]
    key: dict[str, Any] = item.get("key") or {}
    lookup: dict[str, Any] = item.get("lookup") or {}
    try:
        if (item.get("find_first") or item.get("find_only")) and key:
            found = find(conn, spec, lookup, key, base)
            if found is not None:
                return {"status": 200, "record": found}
        if item.get("find_only"):
            return {"status": 404, "body": {"detail": "Not found."}}
        if shared:
            check_create(conn, spec, body, caller)
        record_id = create_record(conn, spec, body, caller)
        if shared:
            record_creation(conn, spec, record_id, caller)
    except ApiError as error:
        if error.status == 409 and key and not atomic:
            found = find(conn, spec, lookup, key, base)
            if found is not None:
                return {"status": 200, "record": found}
        return {"status": error.status, "body": error.body}
    row = conn.execute(row_by_id(spec.table), {"id": record_id}).mappings().one()
    return {"status": 201, "record": serialize(conn, spec, [row], base, just_created=True)[0]}


# --- upload slots -----------------------------------------------------------------------------


async def bulk_upload_slots(request: Request) -> Response:
    settings: RegistrySettings = request.app.state.settings
    try:
        require_caller(request)
        body = await read_json_body(request, settings.max_body_bytes)
        checksums = body.get("checksums") if isinstance(body, dict) else None
        if (
            not isinstance(checksums, list)
            or len(checksums) > MAX_ITEMS
            or not all(isinstance(c, str) and is_sha1_hex(c.lower()) for c in checksums)
        ):
            raise ApiError(400, {"checksums": [f"At most {MAX_ITEMS} SHA-1s (hex)."]})
        slots = await run_in_threadpool(_slots, request, [c.lower() for c in checksums])
    except StoreError as error:
        return json_response({"detail": error.message}, error.status)
    except ApiError as error:
        return error.response()
    return json_response({"slots": slots})


def _slots(request: Request, checksums: list[str]) -> dict[str, str | None]:
    """Per SHA-1, where to PUT its bytes, or None: the data store has them."""
    store = data_store_of(request)
    if store is None:
        raise ApiError.detail(501, NO_STORE)
    base = base_url(request) + "/"
    return {c: None if store.contains(c) else store.upload_url(c, base) for c in checksums}


# --- pull -------------------------------------------------------------------------------------


async def bulk_pull(request: Request) -> Response:
    settings: RegistrySettings = request.app.state.settings
    try:
        body = await read_json_body(request, settings.max_body_bytes)
        roots, follow, children, page = _pull_request(body)
        engine: Engine = request.app.state.engine
        with engine.connect() as conn:
            records = _closure(conn, roots, follow, children, base_url(request))
    except ApiError as error:
        return error.response()
    start = page * PAGE_SIZE
    more = start + PAGE_SIZE < len(records)
    return json_response(
        {
            "count": len(records),
            "next": page + 1 if more else None,
            "records": records[start : start + PAGE_SIZE],
        }
    )


def _pull_request(
    body: object,
) -> tuple[list[str], dict[str, list[str]], dict[str, list[str]], int]:
    if not isinstance(body, dict):
        raise ApiError(400, {"non_field_errors": ["Expected a JSON object."]})
    roots = body.get("roots")
    if not isinstance(roots, list) or len(roots) > MAX_ROOTS:
        raise ApiError(400, {"roots": [f"A list of at most {MAX_ROOTS} record links."]})
    paths = [record_path(root) if isinstance(root, str) else None for root in roots]
    if None in paths:
        raise ApiError(400, {"roots": ["Every root must be a record link /api/<type>/<id>/."]})
    follow = _names(body.get("follow"), "follow")
    children = _names(body.get("children"), "children")
    page = body.get("page", 0)
    if not isinstance(page, int) or page < 0:
        raise ApiError(400, {"page": ["A page number, 0 or more."]})
    return [p for p in paths if p is not None], follow, children, page


def _names(value: object, what: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(names, list) and all(isinstance(n, str) for n in names)
        for names in value.values()
    ):
        raise ApiError(400, {what: ["An object of record type → list of field or type names."]})
    return value


def _closure(
    conn: Connection,
    roots: list[str],
    follow: dict[str, list[str]],
    children: dict[str, list[str]],
    base: str,
) -> list[dict[str, Any]]:
    """Every record reachable from `roots`, in the order met; links to types this registry
    does not copy (users) and to records that do not exist are left out."""
    found: dict[str, dict[str, Any]] = {}
    frontier = list(dict.fromkeys(roots))
    seen = set(frontier)
    while frontier:
        met: list[dict[str, Any]] = []
        for type_name, ids in _by_type(frontier).items():
            met += _records(conn, SPECS[type_name], ids, base)
            for child_type in children.get(type_name, []):
                met += _children(conn, child_type, type_name, ids, base)
        frontier = []
        for record in met:
            path = record_path(str(record.get("url", "")))
            if path is None:
                continue
            seen.add(path)
            found.setdefault(path, record)
            for link in _links(record, follow.get(path.split("/")[2], [])):
                if link not in seen:
                    seen.add(link)
                    frontier.append(link)
    return list(found.values())


def _by_type(paths: Iterable[str]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for path in paths:
        _, _, type_name, raw_id, _ = path.split("/")
        if type_name in _COPYABLE:
            grouped.setdefault(type_name, []).append(int(raw_id))
    return grouped


def _records(conn: Connection, spec: TypeSpec, ids: list[int], base: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for chunk in chunks(ids):
        statement = select(spec.table).where(spec.table.c.id.in_(chunk)).order_by(spec.table.c.id)
        records += serialize(conn, spec, conn.execute(statement).mappings().all(), base)
    return records


def _children(
    conn: Connection, child_type: str, parent_type: str, ids: list[int], base: str
) -> list[dict[str, Any]]:
    spec = SPECS.get(child_type)
    parent = spec.by_name.get(parent_type) if spec is not None else None
    if spec is None or parent is None or parent.kind != LINK or parent.target != parent_type:
        return []
    column = spec.table.c[parent.column]
    records: list[dict[str, Any]] = []
    for chunk in chunks(ids):
        statement = select(spec.table).where(column.in_(chunk))
        rows = conn.execute(statement.order_by(spec.table.c.id)).mappings().all()
        records += serialize(conn, spec, rows, base)
    return records


def _links(record: dict[str, Any], fields: list[str]) -> Iterator[str]:
    for name in fields:
        value = record.get(name)
        for link in value if isinstance(value, list) else [value]:
            path = record_path(link) if isinstance(link, str) else None
            if path is not None and path.split("/")[2] in _COPYABLE:
                yield path


_COPYABLE = frozenset(name for name in SPECS if name not in _NOT_COPIED)

router.add_route(BULK_PUSH, bulk_push, methods=["POST"])
router.add_route(BULK_PULL, bulk_pull, methods=["POST"])
router.add_route(BULK_UPLOAD_SLOTS, bulk_upload_slots, methods=["POST"])
