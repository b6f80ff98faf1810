"""The bearer token that guards fdpd's optional TCP listener (kept in a 0600 file)."""

from __future__ import annotations

import hmac
from pathlib import Path

from fdpd.base.tokens import read_or_create_token

TOKEN_BYTES = 32


def ensure_daemon_token(path: Path) -> str:
    """Read the daemon token, creating the file (0600, 32 random bytes as hex) on first use."""
    return read_or_create_token(path, TOKEN_BYTES)


def bearer_token_matches(authorization: str | None, expected: str) -> bool:
    """Whether an `Authorization` header value carries `expected`, compared in constant time."""
    if not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())
