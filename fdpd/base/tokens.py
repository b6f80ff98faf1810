"""Secret tokens kept in files only their owner can read (0600), created on first use."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# FAIR registry API keys are 40 lowercase hex characters, as the reference registry issues them.
REGISTRY_KEY_BYTES = 20


def read_or_create_token(path: Path, nbytes: int) -> str:
    """The token in `path`; a new one (`nbytes` random bytes as hex) in a new 0600 file if absent.

    Creation is exclusive, so two processes racing to create the file agree on one token.
    """
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_hex(nbytes)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token
