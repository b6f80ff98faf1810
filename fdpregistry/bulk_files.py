"""fdp's bulk file routes: many small files in one request (docs/registry-api.md, "Bulk protocol").

Bodies are `application/x-fdp-files` (`fdpd.store.framing`: a JSON manifest line, then the
files' bytes back to back), bounded in files and bytes.

`POST /fdp/bulk/files` uploads small files to a folder data store: each manifest entry is
`{"sha1", "expires", "signature", "size"}`, the SHA-1 and the query of its upload slot (as `POST
/fdp/bulk/upload-slots` or `POST /api/data/<sha1>` gave it). Each file is checked as its own
`PUT /data/upload/<sha1>` would be (a valid slot, bytes hashing to that SHA-1) and kept only
then; the answer (JSON) is per file `{"sha1", "status", "detail"}`: 201 kept, 200 already stored
(so a retry keeps nothing twice), 403 the slot is not valid, 400 other content. The files kept
are on disk, complete, when the answer is sent. 404 when the data store is not a folder (S3:
files go to their presigned URLs one by one).

`POST /fdp/bulk/download` with JSON `{"names": [<name>, ...]}` answers the files `GET
/data/<name>` would serve, in one `application/x-fdp-files` body: per name `{"name", "size"}`
with its bytes, or `{"name", "status"}` without: 404 nothing there, 403 private and no token,
413 too big for a bulk answer (fetch it alone), 303 kept elsewhere (fetch it alone).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from fdpd.store import LocalFile, StoreError
from fdpd.store.folder import FolderStore
from fdpd.store.framing import (
    FILES_MEDIA_TYPE,
    MAX_BODY_BYTES,
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_FILES_BYTES,
    FramingError,
    decode_files,
    encode_files,
)
from fdpregistry.datastore_api import data_store_of, stored_file
from fdpregistry.http import ApiError, json_response, read_json_body

BULK_FILES = "/fdp/bulk/files"
BULK_DOWNLOAD = "/fdp/bulk/download"

router = APIRouter()


async def bulk_files(request: Request) -> Response:
    """`POST /fdp/bulk/files`."""
    store = data_store_of(request)
    if not isinstance(store, FolderStore):
        return Response(status_code=404)
    try:
        body = await _bounded_body(request)
        entries, blobs = decode_files(body)
        files = [
            _signed_file(index, entry, blob)
            for index, (entry, blob) in enumerate(zip(entries, blobs, strict=True))
        ]
        answers = await run_in_threadpool(store.keep_many, files)
    except FramingError as error:
        return json_response({"detail": f"not an {FILES_MEDIA_TYPE} body: {error}"}, 400)
    except ApiError as error:
        return error.response()
    except OSError as error:
        return json_response({"detail": f"the data store cannot write: {error.strerror}"}, 507)
    results = [
        {"sha1": sha1, "status": status, "detail": detail}
        for (sha1, _, _, _), (status, detail) in zip(files, answers, strict=True)
    ]
    return json_response({"results": results})


def _signed_file(
    index: int, entry: dict[str, Any], blob: bytes | None
) -> tuple[str, str, str, bytes]:
    fields = [entry.get(name) for name in ("sha1", "expires", "signature")]
    if blob is None or not all(isinstance(field, str) for field in fields):
        raise ApiError.detail(
            400, f"file {index} of the manifest needs sha1, expires, signature (text) and size"
        )
    sha1, expires, signature = (str(field) for field in fields)
    return sha1.lower(), expires, signature, blob


async def _bounded_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError.detail(413, f"Request body larger than {MAX_BODY_BYTES} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError.detail(413, f"Request body larger than {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def bulk_download(request: Request) -> Response:
    """`POST /fdp/bulk/download`."""
    try:
        body = await read_json_body(request, request.app.state.settings.max_body_bytes)
        names = body.get("names") if isinstance(body, dict) else None
        if (
            not isinstance(names, list)
            or len(names) > MAX_FILES
            or not all(isinstance(name, str) for name in names)
        ):
            raise ApiError(400, {"names": [f"At most {MAX_FILES} file names (text)."]})
        entries, blobs = await run_in_threadpool(_gather, request, names)
    except StoreError as error:
        return json_response({"detail": error.message}, error.status)
    except ApiError as error:
        return error.response()
    return Response(encode_files(entries, blobs), media_type=FILES_MEDIA_TYPE)


def _gather(request: Request, names: list[str]) -> tuple[list[dict[str, Any]], list[bytes | None]]:
    """Per name its manifest entry and bytes, within the answer's bounds."""
    entries: list[dict[str, Any]] = []
    blobs: list[bytes | None] = []
    room = MAX_FILES_BYTES
    for name in names:
        status, blob = _one_file(request, name, min(MAX_FILE_BYTES, room))
        entries.append({"name": name} if blob is not None else {"name": name, "status": status})
        blobs.append(blob)
        room -= len(blob or b"")
    return entries, blobs


def _one_file(request: Request, name: str, room: int) -> tuple[int, bytes | None]:
    """(200, its bytes) or (why not, None): 404, 403, 303 kept elsewhere, 413 over `room`."""
    try:
        found = stored_file(request, name)
    except ApiError as error:
        return error.status, None
    if found is None:
        return 404, None
    if not isinstance(found, LocalFile):
        return 303, None
    try:
        if found.path.stat().st_size > room:
            return 413, None
        blob = found.path.read_bytes()
    except OSError:
        return 404, None
    return (200, blob) if len(blob) <= room else (413, None)


router.add_route(BULK_FILES, bulk_files, methods=["POST"])
router.add_route(BULK_DOWNLOAD, bulk_download, methods=["POST"])
