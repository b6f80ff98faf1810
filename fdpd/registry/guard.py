"""The local registry answers only local programs: no `Origin` header, a loopback `Host`.

A web page in the user's browser could otherwise read it (CORS-less reads via DNS rebinding,
where `Host` names the attacker's domain) or write to it (CSRF). The rule is fdpd's own
(`fdpd.server.guard.host_is_local`). A shared registry sits behind a proxy under its own name
and does not use this guard.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from fdpd.loopback import host_is_local

ORIGIN_REFUSED = (
    "Requests from web pages (with an Origin header) are refused by the local registry."
)
HOST_REFUSED = "The local registry answers only requests for localhost, 127.0.0.1 or [::1]."


class LocalOnlyGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = refusal_of(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": refusal}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def refusal_of(scope: Scope) -> str | None:
    """Why a request is refused, or None."""
    headers = dict(scope.get("headers") or [])
    if b"origin" in headers:
        return ORIGIN_REFUSED
    host = headers.get(b"host", b"").decode("latin-1")
    if not host_is_local(host):
        return HOST_REFUSED
    return None
