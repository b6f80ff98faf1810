"""`GET /api/`: the root listing, type name → absolute collection URL (docs/registry-api.md)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from fdpregistry.http import ApiError, check_accept, head_response, json_response
from fdpregistry.http import method_not_allowed as _not_allowed
from fdpregistry.links import API_TYPES, base_url, collection_url

ROOT_METHODS = ["GET", "HEAD", "OPTIONS"]

router = APIRouter()


async def api_root(request: Request) -> Response:
    try:
        check_accept(request)
        if request.method == "OPTIONS":
            return json_response(_root_metadata(), headers={"Allow": ", ".join(ROOT_METHODS)})
        if request.method not in ("GET", "HEAD"):
            raise _not_allowed(request.method, ROOT_METHODS)
    except ApiError as error:
        return error.response()
    base = base_url(request)
    listing = {name: collection_url(base, name) for name in API_TYPES}
    response = json_response(listing, headers={"Allow": ", ".join(ROOT_METHODS)})
    return head_response(response) if request.method == "HEAD" else response


def _root_metadata() -> dict[str, object]:
    return {
        "name": "Api Root",
        "description": "The FAIR data registry API: one collection per record type.",
        "renders": ["application/json", "text/html"],
        "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    }


router.add_route(
    "/api/", api_root, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
)
