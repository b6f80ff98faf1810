"""fdp's own routes outside `/api/` (not in the root listing).

* `GET /fdp/identity[?challenge=HEX]` (anonymous): lets fdpd recognise its own registry on a port
  without sending its token to whatever listens there (see `fdpd.base.identity`), and says how many
  requests are in flight and for how long none came (fdpd's idle stop, `fdpregistry.orphan`).
* `PUT /fdp/active-author` `{"author": <link>}` (admin key, local mode only): makes the `admin`
  user's user_author point at the author of whoever runs, because pyDataPipeline finds its author
  through `users/?username=admin` → `user_author/?user=<admin>`.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime

from fastapi import APIRouter
from sqlalchemy import Engine, insert, select, update
from starlette.requests import Request
from starlette.responses import Response

import fdpd
from fdpd.base.identity import identity_proof
from fdpregistry.auth import NO_CREDENTIALS, AuthError, Caller, request_caller
from fdpregistry.http import ApiError, json_response, read_json_body
from fdpregistry.links import LinkError, parse_link
from fdpregistry.models import table_named
from fdpregistry.settings import RegistrySettings

ADMIN_USERNAME = "admin"
_CHALLENGE = re.compile(r"[0-9a-f]{16,128}")

router = APIRouter()


async def identity(request: Request) -> Response:
    settings: RegistrySettings = request.app.state.settings
    answer: dict[str, object] = {
        "service": "fdp-registry",
        "version": fdpd.__version__,
        "shared": settings.shared,
        "pid": os.getpid(),
    }
    challenge = request.query_params.get("challenge", "")
    admin_key: str | None = request.app.state.admin_key
    if admin_key and _CHALLENGE.fullmatch(challenge):
        answer["proof"] = identity_proof(admin_key, challenge)
    activity = getattr(request.app.state, "activity", None)
    if activity is not None:
        answer["in_flight"] = activity.in_flight
        answer["idle_seconds"] = round(activity.quiet_for(time.monotonic()), 3)
    return json_response(answer)


def require_caller(request: Request) -> Caller:
    """The user whose token the request carries; a 403 ApiError without a valid one."""
    try:
        caller = request_caller(request)
    except AuthError as error:
        raise ApiError.detail(403, error.detail) from None
    if caller is None:
        raise ApiError.detail(403, NO_CREDENTIALS)
    return caller


def require_admin(request: Request, action: str) -> Caller:
    """The caller, who must be user `admin`; a 403 ApiError otherwise."""
    caller = require_caller(request)
    if caller.username != ADMIN_USERNAME:
        raise ApiError.detail(403, f"Only the admin user may {action}.")
    return caller


async def active_author(request: Request) -> Response:
    settings: RegistrySettings = request.app.state.settings
    try:
        if settings.shared:
            raise ApiError.detail(404, "Not found.")
        caller = require_admin(request, "set the active author")
        body = await read_json_body(request, settings.max_body_bytes)
        if not isinstance(body, dict) or "author" not in body:
            raise ApiError(400, {"author": ["This field is required."]})
        engine: Engine = request.app.state.engine
        author_id = _existing_author(engine, body["author"])
        _point_admin_at(engine, caller.id, author_id)
    except ApiError as error:
        return error.response()
    return json_response({"user": caller.username, "author": body["author"]})


def _existing_author(engine: Engine, link: object) -> int:
    try:
        author_id = parse_link(link, "author")
    except LinkError as error:
        raise ApiError(400, {"author": [error.message]}) from None
    authors = table_named("author")
    with engine.connect() as conn:
        found = conn.execute(select(authors.c.id).where(authors.c.id == author_id)).first()
    if found is None:
        raise ApiError(400, {"author": ["Invalid hyperlink - Object does not exist."]})
    return author_id


def _point_admin_at(engine: Engine, admin_id: int, author_id: int) -> None:
    links = table_named("user_author")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        existing = conn.execute(select(links.c.id).where(links.c.user_id == admin_id)).first()
        if existing is None:
            conn.execute(
                insert(links).values(
                    user_id=admin_id, author_id=author_id, updated_by_id=admin_id, last_updated=now
                )
            )
        else:
            conn.execute(
                update(links)
                .where(links.c.id == existing[0])
                .values(author_id=author_id, last_updated=now, updated_by_id=admin_id)
            )


router.add_route("/fdp/identity", identity, methods=["GET", "HEAD"])
router.add_route("/fdp/active-author", active_author, methods=["PUT"])
