"""The error every part of fdp raises when something a user did or has must be reported.

An `FdpError` carries what went wrong (`message`), a stable machine-readable `code`, what to do
about it (`hint`) and the HTTP status the daemon answers with. The daemon turns it into
`{"error": {"code", "message", "hint"}}`; fdpctl prints message and hint, never a traceback.
"""

from __future__ import annotations

from typing import Any


class FdpError(Exception):
    """A user-facing failure: says what was wrong, where, and what to do."""

    code: str = "failed"
    status: int = 400

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


class NotFound(FdpError):
    code = "not_found"
    status = 404


class Conflict(FdpError):
    code = "conflict"
    status = 409


class Unavailable(FdpError):
    """Something fdp depends on (the local registry, a remote) cannot be reached."""

    code = "unavailable"
    status = 503
