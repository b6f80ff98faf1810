"""Failures talking to a registry, worded for the user: which remote, what happened, what to do.

Messages name the remote and the request path, never the token or a signed URL's query string.
"""

from __future__ import annotations

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, NotFound, Unavailable


class RemoteError(FdpError):
    """A registry answered, but not with what was asked for."""

    code = ErrorCode.REMOTE_FAILED


class RemoteServerError(RemoteError):
    """The registry failed (5xx): a create may or may not have landed, perhaps half made."""


class TokenRejected(RemoteError):
    code = ErrorCode.REMOTE_TOKEN_REJECTED


class RemoteRejected(RemoteError):
    """The registry refused a request as invalid (4xx other than 403/404)."""

    code = ErrorCode.REMOTE_REJECTED
    status_code: int | None = None


class InternalTargetRefused(RemoteError):
    """A remote named a URL on this machine or its link (a storage root, an upload URL, a
    redirect), though the remote itself is elsewhere: fdp does not fetch it."""

    code = ErrorCode.LOCAL_SOURCE_REFUSED


class RemoteNotFound(NotFound):
    code = ErrorCode.REMOTE_NOT_FOUND


class RemoteUnreachable(Unavailable):
    code = ErrorCode.REMOTE_UNREACHABLE
