"""Routes of the model types: `/api/<type>/` and `/api/<type>/<id>/` (with and without the
trailing slash), every method, answered per docs/registry-api.md.

Plain Starlette endpoints keep the per-request overhead small; the database work is short and
runs on the event loop, which also serialises writers (SQLite allows one at a time anyway).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from sqlalchemy import Connection, Engine, RowMapping
from starlette.requests import Request
from starlette.responses import Response

from fdpregistry.auth import NO_CREDENTIALS, AuthError, Caller, request_caller
from fdpregistry.filters import build_conditions
from fdpregistry.http import (
    ApiError,
    check_accept,
    head_response,
    json_response,
    method_not_allowed,
    query_items,
    read_json_body,
)
from fdpregistry.links import MAX_ID, base_url, record_url
from fdpregistry.metadata import options_body
from fdpregistry.ownership import check_change, check_create, record_creation
from fdpregistry.pagination import fetch_page, page_link
from fdpregistry.schema import SPECS, TypeSpec
from fdpregistry.serialize import serialize
from fdpregistry.settings import RegistrySettings
from fdpregistry.statements import row_by_id
from fdpregistry.writes import Mode, create_record, delete_record, update_record

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_ID = re.compile(r"[0-9]{1,25}")
Endpoint = Callable[[Request], Awaitable[Response]]

router = APIRouter()


def caller_of(request: Request) -> Caller | None:
    """The authenticated caller, None if anonymous; 403 ApiError for a bad key."""
    try:
        return request_caller(request)
    except AuthError as error:
        raise ApiError.detail(403, error.detail) from None


def writer(caller: Caller | None) -> Caller:
    if caller is None:
        raise ApiError.detail(403, NO_CREDENTIALS)
    return caller


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _allowed(methods: tuple[str, ...]) -> list[str]:
    allowed = list(methods)
    if "GET" in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return [*allowed, "OPTIONS"]


def collection_endpoint(spec: TypeSpec) -> Endpoint:
    allowed = _allowed(("GET", "POST"))
    allow_header = {"Allow": ", ".join(allowed)}

    async def collection(request: Request) -> Response:
        method = request.method
        try:
            check_accept(request)
            caller = caller_of(request)
            if method in ("GET", "HEAD"):
                response = list_response(request, spec)
                return head_response(response) if method == "HEAD" else response
            if method == "OPTIONS":
                body = options_body(spec, collection=True, writer=caller is not None, method="POST")
                return json_response(body, headers=allow_header)
            writer(caller)
            if method != "POST":
                raise method_not_allowed(method, allowed)
            return await create_response(request, spec, writer(caller))
        except ApiError as error:
            return error.response()

    return collection


def record_endpoint(spec: TypeSpec) -> Endpoint:
    allowed = _allowed(spec.record_methods)
    allow_header = {"Allow": ", ".join(allowed)}
    write_method = "PUT" if "PUT" in spec.record_methods else None

    async def record(request: Request) -> Response:
        method = request.method
        try:
            check_accept(request)
            caller = caller_of(request)
            if method == "OPTIONS":
                body = options_body(
                    spec, collection=False, writer=caller is not None, method=write_method
                )
                return json_response(body, headers=allow_header)
            if method not in ("GET", "HEAD"):
                writer(caller)
                if method not in allowed:
                    raise method_not_allowed(method, allowed)
            record_id = _record_id(spec, request.path_params["id"])
            if method in ("GET", "HEAD"):
                response = detail_response(request, spec, record_id, allow_header)
                return head_response(response) if method == "HEAD" else response
            if method == "DELETE":
                with _engine(request).connect() as conn:
                    current = _current(conn, spec, record_id)
                    _check_change(request, conn, spec, current, None, writer(caller))
                    delete_record(conn, spec, record_id)
                return Response(status_code=204, headers=allow_header)
            body = await read_json_body(request, _settings(request).max_body_bytes)
            mode: Mode = "put" if method == "PUT" else "patch"
            with _engine(request).connect() as conn:
                current = _current(conn, spec, record_id)
                recorded_as = _check_change(request, conn, spec, current, body, writer(caller))
                update_record(conn, spec, current, body, recorded_as, mode)
                return _record_response(conn, request, spec, record_id, 200, allow_header)
        except ApiError as error:
            return error.response()

    return record


def _check_change(
    request: Request,
    conn: Connection,
    spec: TypeSpec,
    current: RowMapping,
    body: object,
    caller: Caller,
) -> Caller:
    """Refuse a change the caller may not make; the user the change is recorded as."""
    if _settings(request).shared:
        return check_change(conn, spec, current, body, caller)
    return caller


def _settings(request: Request) -> RegistrySettings:
    settings: RegistrySettings = request.app.state.settings
    return settings


def _record_id(spec: TypeSpec, raw: str) -> int:
    if not _ID.fullmatch(raw):
        raise ApiError.detail(404, "Not found.")
    record_id = int(raw)
    if record_id > MAX_ID:
        raise _no_match(spec)
    return record_id


def _no_match(spec: TypeSpec) -> ApiError:
    return ApiError.detail(404, f"No {spec.model} matches the given query.")


def _current(conn: Connection, spec: TypeSpec, record_id: int) -> RowMapping:
    row = conn.execute(row_by_id(spec.table), {"id": record_id}).mappings().first()
    if row is None:
        raise _no_match(spec)
    return row


def list_response(request: Request, spec: TypeSpec) -> Response:
    items = query_items(request)
    base = base_url(request)
    with _engine(request).connect() as conn:
        conditions = build_conditions(conn, spec, items)
        page = fetch_page(conn, spec, conditions, items)
        results = serialize(conn, spec, page.rows, base)
    path = f"{base}/api/{spec.name}/"
    body = {
        "count": page.count,
        "next": page_link(path, items, page.next_cursor),
        "previous": page_link(path, items, page.previous_cursor),
        "results": results,
    }
    return json_response(body, headers={"Allow": "GET, POST, HEAD, OPTIONS"})


def detail_response(
    request: Request, spec: TypeSpec, record_id: int, headers: dict[str, str]
) -> Response:
    with _engine(request).connect() as conn:
        return _record_response(conn, request, spec, record_id, 200, headers)


def _record_response(
    conn: Connection,
    request: Request,
    spec: TypeSpec,
    record_id: int,
    status: int,
    headers: dict[str, str],
) -> Response:
    row = _current(conn, spec, record_id)
    record = serialize(conn, spec, [row], base_url(request), just_created=status == 201)[0]
    return json_response(record, status, headers)


async def create_response(request: Request, spec: TypeSpec, caller: Caller) -> Response:
    body = await read_json_body(request, _settings(request).max_body_bytes)
    shared = _settings(request).shared
    with _engine(request).connect() as conn:
        if shared:
            check_create(conn, spec, body, caller)
        record_id = create_record(conn, spec, body, caller)
        if shared:
            record_creation(conn, spec, record_id, caller)
        location = record_url(base_url(request), spec.name, record_id)
        headers = {"Location": location, "Allow": "GET, POST, HEAD, OPTIONS"}
        return _record_response(conn, request, spec, record_id, 201, headers)


for _spec in SPECS.values():
    _collection = collection_endpoint(_spec)
    _record = record_endpoint(_spec)
    router.add_route(f"/api/{_spec.name}/", _collection, methods=ALL_METHODS)
    router.add_route(f"/api/{_spec.name}/{{id}}/", _record, methods=ALL_METHODS)
    router.add_route(f"/api/{_spec.name}/{{id}}", _record, methods=ALL_METHODS)
