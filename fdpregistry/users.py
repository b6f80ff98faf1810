"""`/api/users/`, `/api/groups/` (read-only, token required) and `/api/username/`
(docs/registry-api.md).

In shared mode `users/?username=admin` asked with another user's token answers that user: the
language APIs take the author of what they record from `admin`'s user_author, so each user's runs
are credited to the author that user linked to (their fdpd does so), not to one author for all.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Engine, RowMapping, Table, func, select
from starlette.requests import Request
from starlette.responses import Response

from fdpregistry.auth import Caller
from fdpregistry.filters import check_keys
from fdpregistry.http import (
    ApiError,
    check_accept,
    head_response,
    json_response,
    method_not_allowed,
    query_items,
)
from fdpregistry.links import MAX_ID, base_url
from fdpregistry.management import ADMIN_USERNAME
from fdpregistry.metadata import simple_options_body
from fdpregistry.models import Group, User, table_of
from fdpregistry.pagination import decode_cursor, encode_cursor, page_link
from fdpregistry.resources import ALL_METHODS, caller_of, writer

READ_METHODS = ["GET", "HEAD", "OPTIONS"]
_USERS = table_of(User)
_GROUPS = table_of(Group)
PAGE_SIZE = 100

router = APIRouter()


def _user_json(base: str, row: RowMapping) -> dict[str, Any]:
    username = row["username"]
    return {
        "url": f"{base}/api/users/{row['id']}/",
        "username": username,
        "full_name": row["full_name"] or "User Not Found",
        "email": row["email"] or f"{username}@users.noreply.github.com",
        "orgs": [],
    }


def _group_json(base: str, row: RowMapping) -> dict[str, Any]:
    return {"url": f"{base}/api/groups/{row['id']}/", "name": row["name"]}


_KINDS = {
    "users": (_USERS, _user_json, "User", "Registry users.", ["username", "cursor", "format"]),
    "groups": (_GROUPS, _group_json, "Group", "Registry groups.", ["cursor", "format"]),
}


def _guard(request: Request) -> Caller:
    check_accept(request)
    caller = writer(caller_of(request))
    if request.method not in READ_METHODS:
        raise method_not_allowed(request.method, READ_METHODS)
    return caller


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _answer(request: Request, body: dict[str, Any]) -> Response:
    response = json_response(body, headers={"Allow": ", ".join(READ_METHODS)})
    return head_response(response) if request.method == "HEAD" else response


def _list_endpoint(kind: str) -> Any:
    table, to_json, words, description, allowed = _KINDS[kind]

    async def listing(request: Request) -> Response:
        try:
            caller = _guard(request)
            if request.method == "OPTIONS":
                return _answer(
                    request, simple_options_body(words, collection=True, description=description)
                )
            items = query_items(request)
            _check_query(items, allowed)
            if kind == "users":
                items = _admin_as_caller(request, items, caller)
            return _answer(request, _list_body(request, kind, table, to_json, items))
        except ApiError as error:
            return error.response()

    return listing


def _admin_as_caller(
    request: Request, items: list[tuple[str, str]], caller: Caller
) -> list[tuple[str, str]]:
    """In shared mode, `username=admin` from any other user asks for that user (module doc)."""
    settings = request.app.state.settings
    asks_admin = any(key == "username" and value == ADMIN_USERNAME for key, value in items)
    if not settings.shared or not asks_admin or caller.username == ADMIN_USERNAME:
        return items
    return [(k, caller.username if k == "username" else v) for k, v in items]


def _check_query(items: list[tuple[str, str]], allowed: list[str]) -> None:
    if len(allowed) == 2:
        if any(key not in allowed for key, _ in items):
            raise ApiError.detail(400, "Invalid query arguments, no query arguments are allowed")
        return
    check_keys(items, allowed)


def _list_body(
    request: Request, kind: str, table: Table, to_json: Any, items: list[tuple[str, str]]
) -> dict[str, Any]:
    base = base_url(request)
    conditions = []
    username = next((v for k, v in reversed(items) if k == "username"), "")
    if username:
        conditions.append(table.c.username == username)
    cursor = decode_cursor(next((v for k, v in reversed(items) if k == "cursor"), None))
    if cursor is not None and cursor[0] != "p":
        raise ApiError.detail(404, "Invalid cursor")
    query = select(table).where(*conditions)
    if cursor is not None:
        query = query.where(table.c.id < cursor[1])
    with _engine(request).connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(table).where(*conditions)
        ).scalar_one()
        rows = conn.execute(query.order_by(table.c.id.desc()).limit(PAGE_SIZE + 1)).mappings().all()
    page = rows[:PAGE_SIZE]
    next_cursor = encode_cursor("p", page[-1]["id"]) if len(rows) > PAGE_SIZE else None
    return {
        "count": count,
        "next": page_link(f"{base}/api/{kind}/", items, next_cursor),
        "previous": None,
        "results": [to_json(base, row) for row in page],
    }


def _detail_endpoint(kind: str) -> Any:
    table, to_json, words, description, _allowed = _KINDS[kind]

    async def detail(request: Request) -> Response:
        try:
            _guard(request)
            if request.method == "OPTIONS":
                return _answer(
                    request, simple_options_body(words, collection=False, description=description)
                )
            raw = request.path_params["id"]
            if not raw.isdigit() or not raw.isascii() or len(raw) > 25:
                raise ApiError.detail(404, "Not found.")
            row = None
            if int(raw) <= MAX_ID:
                with _engine(request).connect() as conn:
                    query = select(table).where(table.c.id == int(raw))
                    row = conn.execute(query).mappings().first()
            if row is None:
                raise ApiError.detail(404, f"No {words} matches the given query.")
            return _answer(request, to_json(base_url(request), row))
        except ApiError as error:
            return error.response()

    return detail


async def username(request: Request) -> Response:
    try:
        check_accept(request)
        caller = writer(caller_of(request))
        if request.method not in READ_METHODS:
            raise method_not_allowed(request.method, READ_METHODS)
        return _answer(request, {"username": caller.username})
    except ApiError as error:
        return error.response()


for _kind in _KINDS:
    router.add_route(f"/api/{_kind}/", _list_endpoint(_kind), methods=ALL_METHODS)
    router.add_route(f"/api/{_kind}/{{id}}/", _detail_endpoint(_kind), methods=ALL_METHODS)
    router.add_route(f"/api/{_kind}/{{id}}", _detail_endpoint(_kind), methods=ALL_METHODS)
router.add_route("/api/username/", username, methods=ALL_METHODS)
router.add_route("/api/username", username, methods=ALL_METHODS)
