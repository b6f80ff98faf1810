"""The web view's routes: read-only HTML pages under `/ui/`, the login-code exchange, and `GET /`
sending a browser to `/ui/`. The REST API's routes are untouched.

Pages query the database and may run Graphviz: their handlers are plain functions, which
Starlette runs in worker threads, so the event loop keeps answering the API meanwhile; at most
`PAGES_AT_ONCE` are built at a time (the rest wait up to `PAGE_WAIT_SECONDS`, then get a 503), so
anonymous page traffic cannot take the processor from the API. The modules that build pages
(queries, rendering, Graphviz, Jinja2) are imported by the first page asked for: a registry that
only serves the API never imports them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fdpregistry.http import ApiError, json_response
from fdpregistry.management import require_caller
from fdpregistry.settings import RegistrySettings
from fdpregistry.web.layout import PREFIX, error_page, icon, page, style_sheet
from fdpregistry.web.sessions import (
    CODE_SECONDS,
    on_web_host,
    session_cookie,
    store_of,
    viewer_of,
)

if TYPE_CHECKING:
    from fdpregistry.web import lists, records

    Built = records.Page | None

router = APIRouter()
PAGES_AT_ONCE = 2
PAGE_WAIT_SECONDS = 30.0
_page_slots = threading.BoundedSemaphore(PAGES_AT_ONCE)
_BUSY = (
    f"The registry is building other pages and this one waited {PAGE_WAIT_SECONDS:.0f} s for its "
    "turn. Reload the page in a moment."
)
_PRIVATE = (
    "This item is private. Open the registry with `fdpctl registry open`, which signs your "
    "browser in, to see your private items."
)
_WRONG_HOST = (
    "This registry signs a browser in only at the address `fdpctl registry open` prints (a host "
    "name of its own under .localhost, so that its session cookie goes nowhere else). Open that "
    "address; nothing was signed in."
)
_BAD_CODE = (
    "This login code is unknown, already used or expired (codes work once, for "
    f"{CODE_SECONDS:.0f} s). Run `fdpctl registry open` for a new one; without it you see "
    "public items only."
)


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _settings(request: Request) -> RegistrySettings:
    settings: RegistrySettings = request.app.state.settings
    return settings


def _record_id(request: Request) -> int:
    text = str(request.path_params["id"])
    return int(text) if text.isdigit() and len(text) <= 18 else 0


def _answer(request: Request, build: Callable[[Session, bool], Built]) -> Response:
    """The page `build(session, visible)` makes; 404, 403 (private) pages otherwise. Runs in a
    worker thread, one of at most `PAGES_AT_ONCE`."""
    caller = viewer_of(request)
    viewer = caller.username if caller else None
    if not _page_slots.acquire(timeout=PAGE_WAIT_SECONDS):
        return error_page(503, "Busy", _BUSY, viewer)
    try:
        return _built(build, _engine(request), viewer, caller is not None)
    finally:
        _page_slots.release()


def _built(
    build: Callable[[Session, bool], Built], engine: Engine, viewer: str | None, visible: bool
) -> Response:
    from fdpregistry.web import records

    try:
        with Session(engine) as session:
            built = build(session, visible)
    except records.Private:
        return error_page(403, "Private", _PRIVATE, viewer)
    except ApiError as error:  # a cursor that does not decode
        body = error.body if isinstance(error.body, dict) else {}
        return error_page(404, "Not found", str(body.get("detail") or "Not found."), viewer)
    if built is None:
        return error_page(404, "Not found", "There is no such record in this registry.", viewer)
    title, template, context = built
    return page(template, title, viewer, **context)


def _titled(title: str, listed: lists.Page) -> records.Page:
    return title, *listed


def home(request: Request) -> Response:
    from fdpregistry.web import lists

    return _answer(request, lambda s, _: _titled("Registry", lists.home(s.connection())))


def product_list(request: Request) -> Response:
    from fdpregistry.web import lists
    from fdpregistry.web.queries import ProductSearch

    params = request.query_params
    search = ProductSearch(
        name=params.get("name", ""),
        text=params.get("q", "").strip(),
        namespace=params.get("namespace", ""),
        cursor=params.get("cursor", ""),
    )
    return _answer(
        request,
        lambda s, visible: _titled(
            "Data products", lists.product_list(s.connection(), search, visible)
        ),
    )


def product(request: Request) -> Response:
    from fdpregistry.web import records

    depth_text = request.query_params.get("depth", "1")
    depth = int(depth_text) if depth_text.isdigit() and len(depth_text) < 3 else 1
    record_id, settings = _record_id(request), _settings(request)
    return _answer(
        request, lambda s, visible: records.data_product(s, record_id, depth, visible, settings)
    )


def run_list(request: Request) -> Response:
    from fdpregistry.web import lists

    cursor = request.query_params.get("cursor", "")
    return _answer(
        request, lambda s, _: _titled("Code runs", lists.run_list(s.connection(), cursor))
    )


def code_run(request: Request) -> Response:
    from fdpregistry.web import records

    record_id = _record_id(request)
    return _answer(request, lambda s, visible: records.code_run(s, record_id, visible))


def namespace_list(request: Request) -> Response:
    from fdpregistry.web import lists

    return _answer(
        request, lambda s, _: _titled("Namespaces", lists.namespace_list(s.connection()))
    )


def namespace(request: Request) -> Response:
    from fdpregistry.web import records

    record_id = _record_id(request)
    return _answer(request, lambda s, v: records.namespace(s.connection(), record_id, v))


def author_list(request: Request) -> Response:
    from fdpregistry.web import lists

    cursor = request.query_params.get("cursor", "")
    return _answer(
        request, lambda s, _: _titled("Authors", lists.author_list(s.connection(), cursor))
    )


def author(request: Request) -> Response:
    from fdpregistry.web import records

    record_id = _record_id(request)
    return _answer(request, lambda s, v: records.author(s.connection(), record_id, v))


async def style(_request: Request) -> Response:
    return style_sheet()


async def favicon(_request: Request) -> Response:
    return icon()


async def login(request: Request) -> Response:
    """Spends a login code for a session cookie, then goes home (by a same-site navigation, so
    the SameSite=Strict cookie is sent with it). Only under the web host: a cookie set for
    127.0.0.1 would go to every program on it."""
    if not on_web_host(request):
        return error_page(403, "Wrong address", _WRONG_HOST, viewer=None)
    session_id = store_of(request).redeem(request.query_params.get("code", ""))
    if session_id is None:
        return error_page(403, "Login code not valid", _BAD_CODE, viewer=None)
    cookie = {"Set-Cookie": session_cookie(session_id)}
    caller = store_of(request).caller_of(session_id)
    viewer = caller.username if caller is not None else None
    return page("signed_in.html", "Signed in", viewer, headers=cookie)


async def login_code(request: Request) -> Response:
    """`POST /fdp/login-code` (a token; local mode): a fresh one-time code for `/ui/login` and
    the web host to open it under (`http://<host>:<port><path>`)."""
    web_host: str | None = request.app.state.web_host
    try:
        if _settings(request).shared or web_host is None:
            raise ApiError.detail(404, "Not found.")
        caller = require_caller(request)
    except ApiError as error:
        return error.response()
    code = store_of(request).mint_code(caller)
    path = f"{PREFIX}/login?code={code}"
    answer = {"path": path, "host": web_host, "expires_in": CODE_SECONDS}
    return json_response(answer, headers={"Cache-Control": "no-store"})


async def root(request: Request) -> Response:
    """A browser (asking for HTML) goes to the web view; others get the usual 404."""
    if request.method not in _GET or "text/html" not in request.headers.get("accept", ""):
        raise HTTPException(404)
    return RedirectResponse(f"{PREFIX}/", 303)


_GET = ["GET", "HEAD"]
for _path, _endpoint in (
    ("/", home),
    ("/style.css", style),
    ("/favicon.svg", favicon),
    ("/login", login),
    ("/data_product/", product_list),
    ("/data_product/{id}", product),
    ("/code_run/", run_list),
    ("/code_run/{id}", code_run),
    ("/namespace/", namespace_list),
    ("/namespace/{id}", namespace),
    ("/author/", author_list),
    ("/author/{id}", author),
):
    router.add_route(PREFIX + _path, _endpoint, methods=_GET)
router.add_route("/", root, methods=[*_GET, "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
router.add_route("/fdp/login-code", login_code, methods=["POST"])
