"""HTTP plumbing shared by the registry's routes: JSON responses, errors, content negotiation,
request bodies and tolerant query-string parsing (docs/registry-api.md)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import Response

API_VERSION = "1.0.0"
NOT_ACCEPTABLE = "Could not satisfy the request Accept header."
BAD_VERSION = 'Invalid version in "Accept" header.'
_JSON_RANGES = frozenset({"application/json", "application/*", "*/*"})


class ApiError(Exception):
    """Stops a request with `status` and a JSON `body` (None = empty body)."""

    def __init__(
        self, status: int, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers

    @classmethod
    def detail(cls, status: int, message: str) -> ApiError:
        return cls(status, {"detail": message})

    def response(self) -> Response:
        if self.body is None:
            return Response(status_code=self.status, headers=self.headers)
        return json_response(self.body, self.status, self.headers)


def encode_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(encode_json(data), status, headers, media_type="application/json")


def head_response(response: Response) -> Response:
    """The HEAD answer matching a GET response: same status and headers, no body."""
    headers = dict(response.headers)
    return Response(b"", response.status_code, headers)


def check_accept(request: Request) -> None:
    """406 unless the Accept header allows JSON at API version 1.0.0."""
    header = request.headers.get("accept")
    if not header:
        return
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() not in _JSON_RANGES:
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "version" and value.strip().strip('"') != API_VERSION:
                raise ApiError.detail(406, BAD_VERSION)
        return
    raise ApiError.detail(406, NOT_ACCEPTABLE)


def query_items(request: Request) -> list[tuple[str, str]]:
    """(key, value) pairs of the raw query string, in order; tolerant of unencoded values.

    Clients send values such as `name=a/b` unencoded; `+` decodes to a space as with the
    reference. Blank keys are dropped.
    """
    raw = request.scope.get("query_string", b"").decode("latin-1")
    items: list[tuple[str, str]] = []
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key = unquote_plus(key, errors="replace")
        if key:
            items.append((key, unquote_plus(value, errors="replace")))
    return items


async def read_json_body(request: Request, limit: int) -> Any:
    """The parsed JSON body (None when empty); 413 above `limit` bytes, 400 when malformed."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            too_big = int(declared) > limit
        except ValueError:
            raise ApiError.detail(400, "Invalid Content-Length header.") from None
        if too_big:
            raise ApiError.detail(413, f"Request body larger than {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError.detail(413, f"Request body larger than {limit} bytes.")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise ApiError.detail(400, f"JSON parse error - {_parse_error_text(error)}") from None


def _parse_error_text(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "nesting too deep"
    return str(error)


def method_not_allowed(method: str, allowed: list[str]) -> ApiError:
    return ApiError(
        405, {"detail": f'Method "{method}" not allowed.'}, {"Allow": ", ".join(allowed)}
    )
