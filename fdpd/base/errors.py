"""The error every part of fdp raises when something a user did or has must be reported.

An `FdpError` carries what went wrong (`message`), a stable machine-readable `code`, what to do
about it (`hint`) and the HTTP status the daemon answers with. The daemon turns it into
`{"error": {"code", "message", "hint"}}`; fdpctl prints message and hint, never a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fdpd.base.error_codes import ErrorCode, status_of

if TYPE_CHECKING:  # the wire's types: what fdpd answers (the registry server never imports them)
    from fdpd.base.wire import ErrorBody


class FdpError(Exception):
    """A user-facing failure: says what was wrong, where, and what to do."""

    code: ErrorCode = ErrorCode.FAILED

    def __init__(self, message: str, *, hint: str = "", code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    @property
    def status(self) -> int:
        """The HTTP status of this error's code (`CODE_TABLE`): one code, one status."""
        return status_of(self.code)

    def body(self) -> ErrorBody:
        """What an answer or an operation's `error` event says of this error."""
        return {"code": self.code, "message": self.message, "hint": self.hint}

    def to_json(self) -> dict[str, Any]:
        return {"error": self.body()}


class UsageError(FdpError):
    """A command line that is wrong (a value, a combination of options): its program exits 2,
    where an operation that fails exits 1."""

    code = ErrorCode.USAGE


class NotFound(FdpError):
    code = ErrorCode.NOT_FOUND


class Conflict(FdpError):
    code = ErrorCode.CONFLICT


class Unavailable(FdpError):
    """Something fdp depends on (the local registry, a remote) cannot be reached."""

    code = ErrorCode.UNAVAILABLE


class UnreadableFile(FdpError):
    """A file a request names that fdp will not or cannot read: missing, not a regular file
    (a FIFO, device, socket, folder), over its size cap, or on a file system that stalls."""

    code = ErrorCode.UNREADABLE_FILE


# What each status fdpd answers means; the OpenAPI document lists, per route, the ones it can
# answer (`error_responses`), and a test compares that with what the routes really answer.
ERROR_STATUSES: dict[int, str] = {
    400: "bad request: invalid JSON or parameters, a path that is not absolute, text with NUL, "
    "a file that cannot be read (missing, not a regular file, too large)",
    401: "TCP only: missing or wrong bearer token",
    403: "refused: an Origin header, or a Host that is not local",
    404: "not found: no such item, job, operation, user or remote",
    409: "conflict with what exists: a name taken, an item others depend on, a missing input",
    422: "the request is well-formed but its content is not usable (a config with errors, "
    "exactly one of two fields wanted, a path that would leave the data store)",
    500: "fdpd's own journal cannot be used",
    502: "a remote or source answered wrongly",
    503: "something fdpd needs cannot be reached (the local registry, a remote), or fdpd is "
    "shutting down",
    507: "the data store has no room",
}
# Every route can answer these: the guard and the request checks run before any route.
COMMON_STATUSES = (400, 401, 403)
_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "hint"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "hint": {"type": "string"},
            },
        }
    },
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI `responses=` for these error statuses, described from ERROR_STATUSES."""
    return {
        status: {
            "description": ERROR_STATUSES[status],
            "content": {"application/json": {"schema": _ERROR_SCHEMA}},
        }
        for status in statuses
    }
