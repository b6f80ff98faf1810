"""The daemon's OpenAPI document lists, per route, the error statuses fdpd really answers.

FastAPI documents a 422 with its own validation schema on every route with input, but fdpd
answers invalid input with 400 and its own error body. This replaces that with: the statuses every
route can answer (`COMMON_STATUSES`, 500), 404 for routes that name a thing in their path, and the
statuses a route's work can end in (`ROUTE_STATUSES`). The daemon fuzz test checks every status it
sees against this document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from fdpd.base.errors import COMMON_STATUSES, error_responses

ALWAYS = (*COMMON_STATUSES, 500)
_CONFIG = (404, 409, 422, 503)  # a config's reads, the data store, the local registry
_SYNC = (404, 409, 422, 502, 503, 507)  # a remote, the local registry, the data store
ROUTE_STATUSES: dict[str, tuple[int, ...]] = {
    "POST /v1/users": (409, 422, 503, 507),
    "POST /v1/working-config": _CONFIG,
    "POST /v1/run": _CONFIG,
    "POST /v1/remotes": (404, 409, 502, 503),
    "POST /v1/commit": (404, 409, 422, 503),
    "POST /v1/uncommit": (404, 409, 422, 503),
    "POST /v1/status/item": (404, 422, 503),
    "POST /v1/info": (404, 422, 503),
    "POST /v1/pull": _SYNC,
    "POST /v1/update": _SYNC,
    "POST /v1/push": _SYNC,
    "POST /v1/gc": (409, 503),
    "POST /v1/delete": (404, 409, 422, 503),
    "POST /v1/registry/start": (409, 503),
    "POST /v1/daemon/check": (404, 502, 503),
    "POST /v1/operations/{operation_id}/cancel": (409,),  # ended, or not cancellable
    "POST /v1/jobs/{job}/cancel": (409,),  # ...or a job no operation of fdpd runs
}


def document_error_statuses(app: FastAPI) -> None:
    """Make `app.openapi()` list the error statuses described above."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
            )
            for path, items in document["paths"].items():
                for method, operation in items.items():
                    _document(operation, f"{method.upper()} {path}", "{" in path)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(operation: dict[str, Any], route: str, names_a_thing: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's validation answer: fdpd answers 400 instead
    statuses = {*ALWAYS, *ROUTE_STATUSES.get(route, ())}
    if names_a_thing:
        statuses.add(404)
    for status, answer in error_responses(*sorted(statuses)).items():
        responses.setdefault(str(status), answer)
