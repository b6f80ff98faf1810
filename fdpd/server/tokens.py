"""The bearer token that guards fdpd's optional TCP listener (kept in a 0600 file)."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

TOKEN_BYTES = 32


def ensure_daemon_token(path: Path) -> str:
    """Read the daemon token, creating the file (0600, 32 random bytes as hex) on first use."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_hex(TOKEN_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token


def bearer_token_matches(authorization: str | None, expected: str) -> bool:
    """Whether an `Authorization` header value carries `expected`, compared in constant time."""
    if not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _read(path: Path) -> str:
    return path.read_text(encoding="ascii").strip()
