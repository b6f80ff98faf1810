"""Hyperlinks between records (docs/registry-api.md).

Responses carry absolute links built from the request's own scheme and `Host` header, so one
record is `http://127.0.0.1:8000/api/object/1/` to one client and `http://localhost:8000/...` to
another. Request bodies may name a record by a full URL with any host (only the path counts) or
by the bare path `/api/<type>/<id>/`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request

# Type names in the order of the root listing `GET /api/`.
API_TYPES: tuple[str, ...] = (
    "users",
    "groups",
    "file_type",
    "issue",
    "author",
    "object",
    "user_author",
    "object_component",
    "code_run",
    "storage_root",
    "storage_location",
    "namespace",
    "data_product",
    "external_object",
    "quality_controlled",
    "keyword",
    "licence",
    "code_repo_release",
    "key_value",
)
_API_TYPE_SET = frozenset(API_TYPES)

# Largest id a database integer column holds; larger ids cannot name a record.
MAX_ID = 2**63 - 1

NO_URL_MATCH = "Invalid hyperlink - No URL match."
INCORRECT_URL_MATCH = "Invalid hyperlink - Incorrect URL match."
DOES_NOT_EXIST = "Invalid hyperlink - Object does not exist."

_RECORD_PATH = re.compile(r"/api/([a-z_]+)/([0-9]+)/")
# Paths the server answers that are not records: a link to one is the wrong kind of link.
_OTHER_ROUTES = re.compile(
    r"/api/(?:(?:[a-z_]+)/)?|/api/username/|/api/(?:prov-report|data_extraction)/[0-9]+/"
    r"|/api/ro-crate/(?:data-product|code-run)/[0-9]+/|/data/.+|/data_product/.+"
    r"|/external_object/.+|/fdp/[a-z-]+"
)


class LinkError(ValueError):
    """A request body's link is unusable; `message` is the reference's validation text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def base_url(request: Request) -> str:
    """`<scheme>://<Host header>` of a request, without a trailing slash."""
    host = request.headers.get("host")
    if not host:
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{request.url.scheme}://{host}"


def record_url(base: str, type_name: str, record_id: int) -> str:
    return f"{base}/api/{type_name}/{record_id}/"


def collection_url(base: str, type_name: str) -> str:
    return f"{base}/api/{type_name}/"


def parse_link(value: object, expected_type: str) -> int:
    """The id a body link names, if it names a record of `expected_type`; LinkError otherwise.

    Whether the record exists is for the caller to check (it needs the database).
    """
    if not isinstance(value, str):
        raise LinkError(f"Incorrect type. Expected URL string, received {type(value).__name__}.")
    if value.startswith(("http://", "https://")):
        try:
            path = urlsplit(value).path
        except ValueError:
            raise LinkError(NO_URL_MATCH) from None
    elif value.startswith("/"):
        path = value.split("?", 1)[0]
    else:
        raise LinkError(NO_URL_MATCH)
    match = _RECORD_PATH.fullmatch(path)
    if match and match.group(1) in _API_TYPE_SET:
        if match.group(1) != expected_type:
            raise LinkError(INCORRECT_URL_MATCH)
        record_id = int(match.group(2))
        if record_id < 1 or record_id > MAX_ID:
            raise LinkError(DOES_NOT_EXIST)
        return record_id
    if _OTHER_ROUTES.fullmatch(path):
        raise LinkError(INCORRECT_URL_MATCH)
    raise LinkError(NO_URL_MATCH)


def link_id(link: str) -> int:
    """The trailing id of a well-formed record link (for callers that trust the link)."""
    return int(link.rstrip("/").rsplit("/", 1)[-1])
