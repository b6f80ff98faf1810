"""Which records are private, and the rule that only token holders get their content.

An object is private when it has key_value `accessibility=private` or its storage location has
`public: false`. The files of private objects (`/data_product/...`, `/external_object/...`,
`/data/...`) and the prov-report and RO-Crate of their data products are answered only to a
caller with a valid token; anonymous callers get 403. The records themselves stay readable
anonymously: the language APIs read them without a token (pyDataPipeline's `link_read`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, select, union
from starlette.requests import Request

from fdpregistry.auth import AuthError, request_caller
from fdpregistry.http import ApiError
from fdpregistry.models import table_named
from fdpregistry.web.sessions import session_caller

_KEY_VALUES = table_named("key_value")
_LOCATIONS = table_named("storage_location")
_OBJECTS = table_named("object")
_PRODUCTS = table_named("data_product")
PRIVATE_CONTENT = "Authentication credentials were not provided (this content is private)."


def object_is_private(conn: Connection, object_id: int) -> bool:
    marked = select(_KEY_VALUES.c.id).where(
        and_(
            _KEY_VALUES.c.object_id == object_id,
            _KEY_VALUES.c.key == "accessibility",
            _KEY_VALUES.c.value == "private",
        )
    )
    hidden = (
        select(_LOCATIONS.c.id)
        .join(_OBJECTS, _OBJECTS.c.storage_location_id == _LOCATIONS.c.id)
        .where(and_(_OBJECTS.c.id == object_id, _LOCATIONS.c.public.is_(False)))
    )
    return _any(conn, marked) or _any(conn, hidden)


def private_object_clause(object_id: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: the object `object_id` names is private (for filtering lists, e.g. the web view's).

    The private ids are one uncorrelated subquery, which the database evaluates once per query
    rather than once per row.
    """
    marked = select(_KEY_VALUES.c.object_id).where(
        _KEY_VALUES.c.key == "accessibility", _KEY_VALUES.c.value == "private"
    )
    hidden = (
        select(_OBJECTS.c.id)
        .join(_LOCATIONS, _LOCATIONS.c.id == _OBJECTS.c.storage_location_id)
        .where(_LOCATIONS.c.public.is_(False))
    )
    return object_id.in_(union(marked, hidden).scalar_subquery())


def product_is_private(conn: Connection, product_id: int) -> bool:
    object_id = conn.execute(
        select(_PRODUCTS.c.object_id).where(_PRODUCTS.c.id == product_id)
    ).scalar_one_or_none()
    return object_id is not None and object_is_private(conn, int(object_id))


def location_is_private(conn: Connection, location_id: int) -> bool:
    """`public: false`, or an object stored there is marked `accessibility=private`."""
    hidden = select(_LOCATIONS.c.id).where(
        and_(_LOCATIONS.c.id == location_id, _LOCATIONS.c.public.is_(False))
    )
    marked = (
        select(_KEY_VALUES.c.id)
        .join(_OBJECTS, _OBJECTS.c.id == _KEY_VALUES.c.object_id)
        .where(
            and_(
                _OBJECTS.c.storage_location_id == location_id,
                _KEY_VALUES.c.key == "accessibility",
                _KEY_VALUES.c.value == "private",
            )
        )
    )
    return _any(conn, hidden) or _any(conn, marked)


def has_token(request: Request) -> bool:
    """True for a caller with a valid token (or a web-view session); 403 for a bad token.

    A session (`fdpregistry.web.sessions`) lets a signed-in browser fetch private content; it
    never authorises a write, which reads only the Authorization header.
    """
    try:
        caller = request_caller(request)
    except AuthError as error:
        raise ApiError.detail(403, error.detail) from None
    return caller is not None or session_caller(request) is not None


def require_token_if(request: Request, private: bool) -> None:
    """403 for an anonymous caller of private content."""
    if private and not has_token(request):
        raise ApiError.detail(403, PRIVATE_CONTENT)


def _any(conn: Connection, query: Select[Any]) -> bool:
    return conn.execute(query.limit(1)).first() is not None
