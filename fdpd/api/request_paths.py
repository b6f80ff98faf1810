"""Paths in request bodies: fdpctl sends them absolute; fdpd never guesses a base for others.

A relative path (or `~`) would be resolved against fdpd's own working directory and home, which
for a service is `/` and the service user's home: a data store or token file somewhere the user
never meant.
"""

from __future__ import annotations

from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError


def absolute_path(text: str, what: str) -> Path:
    """`text` as a Path, or 400 `bad_request` when it is not absolute."""
    path = Path(text)
    if not path.is_absolute():
        raise FdpError(
            f"the {what} path {text!r} is not absolute",
            hint="give an absolute path (fdpctl resolves relative paths against its own folder)",
            code=ErrorCode.BAD_REQUEST,
        )
    return path
