"""Many small files in one HTTP body (fdp's bulk file routes, docs/registry-api.md).

A body of media type `application/x-fdp-files` is one line of JSON, the manifest
`{"files": [<entry>, ...]}` ended by a newline, then the bytes of the files whose entry has a
`size`, back to back in the manifest's order. An entry without `size` carries no bytes (a file
the sender could not include: its `status` says why). Bounds: `MAX_FILES` entries, `MAX_FILE_BYTES`
a file, `MAX_BODY_BYTES` in all; a body out of them, or whose sizes do not add up to its length,
is refused whole (`FramingError`): every body is untrusted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

FILES_MEDIA_TYPE = "application/x-fdp-files"
MAX_FILES = 256  # files of one request or answer
MAX_FILE_BYTES = 1024 * 1024  # a file above this goes alone (one PUT or GET)
MAX_FILES_BYTES = 8 * 1024 * 1024  # the files' bytes of one body
MAX_MANIFEST_BYTES = 256 * 1024
MAX_BODY_BYTES = MAX_FILES_BYTES + MAX_MANIFEST_BYTES

Entry = dict[str, Any]


class FramingError(ValueError):
    """A body that is not a well-formed, bounded `application/x-fdp-files` body."""


def encode_files(entries: Sequence[Entry], blobs: Sequence[bytes | None]) -> bytes:
    """The body for `entries`, each given the size of its blob (None: no bytes, no size)."""
    manifest = []
    for entry, blob in zip(entries, blobs, strict=True):
        manifest.append(entry if blob is None else {**entry, "size": len(blob)})
    head = json.dumps({"files": manifest}, separators=(",", ":")).encode()
    return b"".join([head, b"\n", *(blob for blob in blobs if blob is not None)])


def decode_files(body: bytes) -> tuple[list[Entry], list[bytes | None]]:
    """The manifest's entries and each one's bytes (None for an entry without `size`)."""
    if len(body) > MAX_BODY_BYTES:
        raise FramingError(f"the body has more than {MAX_BODY_BYTES} bytes")
    end = body.find(b"\n", 0, MAX_MANIFEST_BYTES + 1)
    if end < 0:
        raise FramingError(f"no manifest line within the first {MAX_MANIFEST_BYTES} bytes")
    try:
        manifest = json.loads(body[:end])
    except (ValueError, RecursionError):
        raise FramingError("the manifest line is not JSON") from None
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise FramingError('the manifest has no "files" list of objects')
    if len(entries) > MAX_FILES:
        raise FramingError(f"the manifest lists more than {MAX_FILES} files")
    blobs: list[bytes | None] = []
    offset = end + 1
    for index, entry in enumerate(entries):
        size = entry.get("size")
        if size is None:
            blobs.append(None)
            continue
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_FILE_BYTES:
            raise FramingError(
                f"file {index} of the manifest has no size from 0 to {MAX_FILE_BYTES}"
            )
        blobs.append(body[offset : offset + size])
        offset += size
    if offset != len(body):
        raise FramingError("the files' sizes do not add up to the body's length")
    return entries, blobs
