"""`GET /api/openapi.json`: an OpenAPI 3.1 description of every route and the statuses it answers.

The routes are plain Starlette endpoints, so the document is built here from the same tables the
routes are (SPECS, record methods), not inferred. Each operation lists exactly the statuses its
code can answer (tests/registry/test_openapi.py probes every operation to hold it to that); 403
is everywhere because any bad token is refused, and the local registry refuses any request
with an `Origin` header or a foreign `Host`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

import fdpd
from fdpregistry.http import json_response
from fdpregistry.schema import SPECS

OPENAPI_PATH = "/api/openapi.json"
_METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    302: "Redirect to the file",
    400: "Invalid input (the body says which field and why)",
    403: "Missing or invalid credentials, not permitted, or a web page / foreign Host",
    404: "Not found",
    405: "Method not allowed",
    406: "Unacceptable Accept header or API version",
    409: "Conflicts with an existing record (unique fields, references)",
    413: "Request body too large",
    501: "This registry has no data store",
    503: "This registry does not serve files from local storage roots",
    507: "The data store could not write the file",
}
_READ = (200, 403, 404, 406)
_REFUSED = (403, 405, 406)
_LIST = (200, 400, 403, 404, 406)
_OPTIONS = (200, 403, 406)
_CREATE = (201, 400, 403, 406, 409, 413)
_UPDATE = (200, 400, 403, 404, 406, 409, 413)
_FILE = (200, 204, 302, 400, 403, 404, 503)


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {
        "/api/": _operations(get=(200, 403, 406), options=_OPTIONS, others=_REFUSED),
        OPENAPI_PATH: _operations(get=(200, 403)),
    }
    for spec in SPECS.values():
        paths[f"/api/{spec.name}/"] = _operations(
            get=_LIST, options=_OPTIONS, post=_CREATE, others=_REFUSED
        )
        record: dict[str, tuple[int, ...]] = {"get": _READ, "options": _OPTIONS}
        for method in spec.record_methods:
            if method in ("PUT", "PATCH"):
                record[method.lower()] = _UPDATE
            elif method == "DELETE":
                record["delete"] = (204, 403, 404, 406, 409)
        paths[f"/api/{spec.name}/{{id}}/"] = _operations(
            **record, others=(403, 404, 405, 406), parameters=["id"]
        )
    for kind in ("users", "groups"):
        paths[f"/api/{kind}/"] = _operations(get=_LIST, options=_OPTIONS, others=_REFUSED)
        paths[f"/api/{kind}/{{id}}/"] = _operations(
            get=_READ, options=_OPTIONS, others=_REFUSED, parameters=["id"]
        )
    paths["/api/username/"] = _operations(get=(200, 403, 406), options=_OPTIONS, others=_REFUSED)
    paths |= _special_paths()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fdp registry (FAIR data registry REST API)",
            "version": fdpd.__version__,
            "description": "Send `Authorization: token <key>`; JSON with "
            "`Accept: application/json; version=1.0.0`. Answers with statuses not listed here "
            "are bugs.",
        },
        "paths": paths,
    }


def _special_paths() -> dict[str, dict[str, Any]]:
    return {
        "/api/prov-report/{dp_id}/": _operations(
            get=(200, 400, 403, 404, 406), parameters=["dp_id"]
        ),
        "/api/ro-crate/data-product/{record_id}/": _operations(
            get=(200, 400, 403, 404), parameters=["record_id"]
        ),
        "/api/ro-crate/code-run/{record_id}/": _operations(
            get=(200, 400, 403, 404), parameters=["record_id"]
        ),
        "/api/data_extraction/{dp_id}/": _operations(get=(200, 403, 404), parameters=["dp_id"]),
        "/data_product/{spec}": _operations(get=_FILE, parameters=["spec"]),
        "/external_object/{spec}": _operations(get=_FILE, parameters=["spec"]),
        "/api/data/{checksum}": {
            "post": _operation(200, 400, 403, 409, 501, parameters=["checksum"])
        },
        "/api/data": {"post": _operation(200, 400, 403, 409, 413, 501)},
        "/data/upload/{checksum}": {
            "put": _operation(200, 400, 403, 404, 507, parameters=["checksum"])
        },
        "/data/{name}": _operations(get=(200, 302, 403, 404), parameters=["name"]),
        "/fdp/identity": _operations(get=(200, 403)),
        "/fdp/active-author": {"put": _operation(200, 400, 403, 404, 413)},
        "/fdp/remove": {"post": _operation(200, 400, 403, 404, 409, 413)},
    }


def _operations(
    *,
    others: tuple[int, ...] | None = None,
    parameters: list[str] | None = None,
    **by_method: tuple[int, ...],
) -> dict[str, Any]:
    """Operations of one path; `get` also describes `head`; `others` answers the other methods."""
    if "get" in by_method:
        by_method.setdefault("head", by_method["get"])
    result = {}
    for method in _METHODS:
        statuses = by_method.get(method, others)
        if statuses is not None:
            result[method] = _operation(*statuses, parameters=parameters)
    return result


def _operation(*statuses: int, parameters: list[str] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "responses": {str(status): {"description": _TEXT[status]} for status in statuses}
    }
    if parameters:
        operation["parameters"] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in parameters
        ]
    return operation


async def openapi_json(_request: Request) -> Response:
    return json_response(openapi_document())


router = APIRouter()
router.add_route(OPENAPI_PATH, openapi_json, methods=["GET", "HEAD"])
