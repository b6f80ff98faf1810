"""Secret tokens kept in files only their owner can read (0600), created on first use."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from fdpd.base.bounded_read import TOKEN_CAP, read_capped
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError

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


def read_private_token(path: Path, label: str, what: str) -> str:
    """The one token in `path`, a regular file of at most TOKEN_CAP bytes that only its owner
    may read (the mode is checked before anything is read). `label` names the file in errors
    ("the token file of remote origin (PATH)"), `what` in a read error; errors never contain
    the token."""

    def private(status: os.stat_result) -> None:
        if status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise FdpError(
                f"{label} can be read by other users",
                hint=f"make it private: chmod 600 {path}",
                code=ErrorCode.TOKEN_FILE_NOT_PRIVATE,
            )

    data = read_capped(path, what, TOKEN_CAP, private)
    try:
        token = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        token = ""
    if not token or any(ch.isspace() or not ch.isprintable() for ch in token):
        raise FdpError(
            f"{label} does not hold one token",
            hint="put the registry's API token alone in the file",
            code=ErrorCode.TOKEN_FILE_INVALID,
        )
    return token
