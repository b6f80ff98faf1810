"""Signed, expiring upload URLs for the folder store.

The signature is an HMAC-SHA256 over the content hash and the expiry instant, keyed with a random
secret kept in a 0600 file beside the store. Whoever holds a URL may upload exactly that content
until it expires; nothing else can be uploaded with it, because the receiver checks the bytes
against the signed hash.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
import stat
import tempfile
import time
from hashlib import sha256
from pathlib import Path

from fdpd.store.base import StoreError

SECRET_BYTES = 32


class UploadSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("upload signing secret must be at least 16 bytes")
        self._secret = secret

    def signature(self, sha1: str, expires: int) -> str:
        message = f"{sha1}:{expires}".encode("ascii")
        return hmac.new(self._secret, message, sha256).hexdigest()

    def sign(self, sha1: str, lifetime_seconds: int, now: float | None = None) -> tuple[int, str]:
        """Expiry (Unix seconds) and signature for an upload of `sha1`."""
        expires = int(time.time() if now is None else now) + lifetime_seconds
        return expires, self.signature(sha1, expires)

    def check(self, sha1: str, expires: str, signature: str, now: float | None = None) -> None:
        """Raise StoreError(403) unless the signature is valid and has not expired."""
        # str.isdigit() also accepts digits int() refuses (superscripts such as "³").
        if not (expires.isascii() and expires.isdigit()):
            raise StoreError("upload URL has no valid expiry; ask the registry for a new one", 403)
        expected = self.signature(sha1, int(expires))
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace")):
            raise StoreError("upload URL signature is invalid; ask the registry for a new one", 403)
        if int(expires) < (time.time() if now is None else now):
            raise StoreError("upload URL has expired; ask the registry for a new one", 403)


def load_or_create_secret(path: Path) -> bytes:
    """Read the signing secret, creating it (0600) on first use.

    The secret is written to a private temporary file and hard-linked into place, so a second
    registry starting at the same moment either wins the link or reads the complete winner.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=".upload-secret.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(secrets.token_bytes(SECRET_BYTES))
                stream.flush()
                os.fsync(stream.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temp_name, path)
        finally:
            os.unlink(temp_name)
    return _read_private_secret(path)


def _read_private_secret(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        raise StoreError(
            f"upload signing secret {path} is readable by other users (mode {mode:o}); "
            f"run `chmod 600 {path}` and restart the registry",
            500,
        )
    secret = path.read_bytes()
    if len(secret) < 16:
        raise StoreError(
            f"upload signing secret {path} is truncated; delete it and restart the registry "
            "(outstanding upload URLs become invalid)",
            500,
        )
    return secret
