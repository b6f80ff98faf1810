"""The remote data store protocol of a shared registry (docs/registry-api.md).

* `POST /api/data/<sha1>` or `POST /api/data` + `{"checksum": <sha1>}` (token): 200
  `{"url": <upload url>}`, 409 (empty) when that content is already stored, 400 (empty) without
  a usable checksum, 501 when the registry has no data store.
* The client PUTs the raw bytes to that URL: S3 (presigned, send header
  `x-amz-checksum-sha1: <base64 digest>`) or, for a folder store, this registry's
  `PUT /data/upload/<sha1>?expires=..&signature=..`, which keeps the bytes only if their SHA-1 is
  the signed one (400 otherwise).
* The client then registers storage_location `{path: <sha1>, hash: <sha1>, public: true}` under
  the storage root `<registry base URL>/data/` (e.g. `https://registry.example.org/data/`).
* `GET /data/<name>`: the file of the storage location with that path under such a root; 404
  (empty) when unknown, 403 for anonymous callers when it is private (`public: false`, or its
  object has key_value `accessibility=private`); streamed (folder) or 302 to a presigned URL (S3).
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from fastapi import APIRouter
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from fdpd.store import DataStore, LocalFile, Redirect, StoreError, is_sha1_hex, open_data_store
from fdpd.store.folder import FolderStore
from fdpregistry.auth import NO_CREDENTIALS, AuthError, Caller, request_caller
from fdpregistry.http import ApiError, json_response, read_json_body
from fdpregistry.links import base_url
from fdpregistry.models import table_named
from fdpregistry.privacy import location_is_private
from fdpregistry.settings import RegistrySettings

router = APIRouter()


class StoredFileResponse(FileResponse):
    """A stored file, sent in big chunks: each chunk is a thread hop and a flow-control wait."""

    chunk_size = 1024 * 1024


NO_STORE = (
    "This registry has no data store; start it with --data-store DIR or "
    "--data-store s3://bucket/prefix."
)
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_store_lock = threading.Lock()


def data_store_of(request: Request) -> DataStore | None:
    """The app's data store, opened on first use from `settings.data_store`."""
    state = request.app.state
    store: DataStore | None = getattr(state, "data_store", None)
    if store is not None:
        return store
    settings: RegistrySettings = state.settings
    if not settings.data_store:
        return None
    with _store_lock:
        store = getattr(state, "data_store", None)
        if store is None:
            store = open_data_store(settings.data_store)
            state.data_store = store
    return store


def _caller(request: Request) -> Caller | None:
    try:
        return request_caller(request)
    except AuthError as error:
        raise ApiError.detail(403, error.detail) from None


def _require_caller(request: Request) -> Caller:
    caller = _caller(request)
    if caller is None:
        raise ApiError.detail(403, NO_CREDENTIALS)
    return caller


def _checksum(text: object) -> str:
    """A usable SHA-1 (hex, case-insensitive) or 400 with an empty body."""
    if not isinstance(text, str) or not is_sha1_hex(text.lower()):
        raise ApiError(400)
    return text.lower()


def _upload_url_answer(request: Request, checksum: str) -> Response:
    store = data_store_of(request)
    if store is None:
        raise ApiError.detail(501, NO_STORE)
    if store.contains(checksum):
        raise ApiError(409)
    return json_response({"url": store.upload_url(checksum, base_url(request) + "/")})


def upload_url_for_path(request: Request) -> Response:
    """`POST /api/data/<sha1>` (sync: S3 calls block, so Starlette runs this in a thread)."""
    try:
        _require_caller(request)
        return _upload_url_answer(request, _checksum(request.path_params["checksum"]))
    except StoreError as error:
        return json_response({"detail": error.message}, error.status)
    except ApiError as error:
        return error.response()


async def upload_url_for_body(request: Request) -> Response:
    """`POST /api/data` with `{"checksum": <sha1>}`."""
    try:
        _require_caller(request)
        settings: RegistrySettings = request.app.state.settings
        body = await read_json_body(request, settings.max_body_bytes)
        checksum = _checksum(body.get("checksum") if isinstance(body, dict) else None)
        return await run_in_threadpool(_upload_url_answer, request, checksum)
    except StoreError as error:
        return json_response({"detail": error.message}, error.status)
    except ApiError as error:
        return error.response()


async def receive_upload(request: Request) -> Response:
    """`PUT /data/upload/<sha1>?expires=..&signature=..`: the folder store's upload target."""
    store = data_store_of(request)
    if not isinstance(store, FolderStore):
        return Response(status_code=404)
    sha1 = request.path_params["checksum"]
    try:
        writer = store.receive(
            sha1, request.query_params.get("expires", ""), request.query_params.get("signature", "")
        )
    except StoreError as error:
        return json_response({"detail": error.message}, error.status)
    with writer:
        async for chunk in request.stream():
            writer.write(chunk)
        try:  # in a thread: it waits for the last writes, then fsyncs
            await run_in_threadpool(store.finish_upload, writer, sha1)
        except StoreError as error:
            return json_response({"detail": error.message}, error.status)
    return Response(status_code=200)


def download(request: Request) -> Response:
    """`GET /data/<name>`."""
    try:
        answer = stored_file(request, request.path_params["name"])
    except StoreError as error:
        return json_response({"detail": error.message}, error.status)
    except ApiError as error:
        return error.response()
    if answer is None:
        return Response(status_code=404)
    if isinstance(answer, LocalFile):
        name = request.path_params["name"]
        return StoredFileResponse(answer.path, filename=name, media_type="application/octet-stream")
    return RedirectResponse(answer.url, status_code=302)


def stored_file(request: Request, name: str) -> LocalFile | Redirect | None:
    """What `GET /data/<name>` serves (None: nothing, 404); an ApiError (403) for an anonymous
    caller when the file is private."""
    if "\x00" in name:  # names nothing, and PostgreSQL refuses NUL in text
        return None
    store = data_store_of(request)
    if store is None:
        return None
    engine: Engine = request.app.state.engine
    found = _registered_location(engine, request, name)
    if found is None:
        return None
    location_id, content_hash = found
    with engine.connect() as conn:
        private = location_is_private(conn, location_id)
    if private and _caller(request) is None:
        raise ApiError.detail(403, NO_CREDENTIALS)
    key = content_hash if is_sha1_hex(content_hash) else name
    return store.download(key) if is_sha1_hex(key) else None


def _registered_location(engine: Engine, request: Request, name: str) -> tuple[int, str] | None:
    """(id, hash) of the location with path `name` under one of this registry's `/data/` roots."""
    locations, roots = table_named("storage_location"), table_named("storage_root")
    query = (
        select(locations.c.id, locations.c.hash, roots.c.root)
        .join(roots, roots.c.id == locations.c.storage_root_id)
        .where(locations.c.path == name)
        .order_by(locations.c.id)
    )
    host = urlsplit(base_url(request)).hostname or ""
    with engine.connect() as conn:
        for location_id, content_hash, root in conn.execute(query):
            if is_own_data_root(root, host):
                return int(location_id), str(content_hash)
    return None


def is_own_data_root(root: str, request_host: str) -> bool:
    """True for `<scheme>://<this registry's host>[:port]/data/` (loopback names are one host)."""
    try:
        parts = urlsplit(root)
        root_host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.path.rstrip("/") != "/data":
        return False
    same_host = root_host.lower() == request_host.lower()
    return same_host or (root_host in _LOOPBACK and request_host in _LOOPBACK)


router.add_route("/api/data/{checksum}/", upload_url_for_path, methods=["POST"])
router.add_route("/api/data/{checksum}", upload_url_for_path, methods=["POST"])
router.add_route("/api/data/", upload_url_for_body, methods=["POST"])
router.add_route("/api/data", upload_url_for_body, methods=["POST"])
router.add_route("/data/upload/{checksum}", receive_upload, methods=["PUT"])
router.add_route("/data/{name}", download, methods=["GET", "HEAD"])
