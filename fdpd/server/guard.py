"""The outermost layer of fdpd's HTTP app: who may talk to it, and what every answer carries.

- `Origin` present, or a `Host` that is not local -> 403 (no web page may drive fdpd: CSRF and
  DNS rebinding). Requests on the Unix socket skip the Host check: no browser can reach it.
- On TCP, every path except `/v1/ping` needs `Authorization: Bearer <daemon token>`.
- Every answer carries `Fdp-Version`; each request is logged without its headers.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fdpd import __version__
from fdpd.base.error_codes import ErrorCode, status_of
from fdpd.base.loopback import host_is_local
from fdpd.server.tcp_token import bearer_token_matches

log = logging.getLogger("fdpd.requests")

UNAUTHENTICATED_PATHS = frozenset({"/v1/ping"})
VERSION_HEADER = (b"fdp-version", __version__.encode())


def came_over_unix_socket(scope: Scope) -> bool:
    # uvicorn reports a Unix socket's address as (path, None) and an abstract or unnamed one
    # as None; TCP always has a port.
    server = scope.get("server")
    return server is None or server[1] is None


class RequestGuard:
    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token  # None: no TCP listener, so TCP requests cannot happen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 0

        async def send_with_version(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), VERSION_HEADER]
            await send(message)

        refusal = self._refusal(scope)
        try:
            if refusal is not None:
                await _send_error(send_with_version, *refusal)
            else:
                await self.app(scope, receive, send_with_version)
        except Exception:
            # The app's error handler has already answered 500 and logged the traceback;
            # Starlette re-raises afterwards, which would only log it a second time.
            if status == 0:
                raise
        finally:
            level = logging.DEBUG if scope["path"] in UNAUTHENTICATED_PATHS else logging.INFO
            log.log(
                level,
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                (time.monotonic() - started) * 1000,
            )

    def _refusal(self, scope: Scope) -> tuple[int, str, str, str] | None:
        headers = _headers(scope)
        if "origin" in headers:
            return (
                status_of(ErrorCode.FORBIDDEN_ORIGIN),
                ErrorCode.FORBIDDEN_ORIGIN,
                "requests from web pages (with an Origin header) are refused",
                "talk to fdpd with fdpctl or a client that sends no Origin header",
            )
        over_socket = came_over_unix_socket(scope)
        if not over_socket and not host_is_local(headers.get("host", "")):
            return (
                status_of(ErrorCode.FORBIDDEN_HOST),
                ErrorCode.FORBIDDEN_HOST,
                "the Host header does not name this machine's loopback address",
                "connect to localhost, 127.0.0.1 or [::1]",
            )
        if over_socket or scope["path"] in UNAUTHENTICATED_PATHS:
            return None
        if self.token is None or not bearer_token_matches(headers.get("authorization"), self.token):
            return (
                status_of(ErrorCode.UNAUTHORIZED),
                ErrorCode.UNAUTHORIZED,
                "missing or wrong bearer token",
                "send Authorization: Bearer <the token in fdp's daemon-token file>",
            )
        return None


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


async def _send_error(send: Send, status: int, code: str, message: str, hint: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "hint": hint}}).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
