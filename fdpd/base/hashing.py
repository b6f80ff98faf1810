"""Content hashes of stored files: SHA-1, lowercase hex, as every FAIR data pipeline API uses."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

CHUNK_SIZE = 1024 * 1024

_SHA1_HEX = re.compile(r"[0-9a-f]{40}")


def sha1_file(path: Path | str) -> str:
    """SHA-1 of a file's bytes as lowercase hex, read in 1 MiB chunks (any size, bounded memory)."""
    digest = hashlib.sha1()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def sha1_bytes(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def is_sha1_hex(text: str) -> bool:
    """True for exactly 40 lowercase hex digits, the only names a content store accepts."""
    return _SHA1_HEX.fullmatch(text) is not None


def sha1_hex_to_base64(sha1: str) -> str:
    """The form S3 uses for `x-amz-checksum-sha1`: base64 of the 20 raw digest bytes."""
    return base64.b64encode(bytes.fromhex(sha1)).decode("ascii")
