"""The local registry answers only local programs: no `Origin` header, a loopback `Host`.

A web page in the user's browser could otherwise read it (CORS-less reads via DNS rebinding,
where `Host` names the attacker's domain) or write to it (CSRF). The rule is fdpd's own
(`fdpd.server.guard.host_is_local`). A shared registry sits behind a proxy under its own name
and does not use this guard.

The one other name it answers is the web view's own host name, `fdp-<label>.localhost`
(`fdpd.base.identity.web_host`): browsers resolve it to loopback themselves (no DNS, so no
rebinding), and a page elsewhere cannot read it without an `Origin` header. A registry that
listens on a cluster's network for jobs on its compute nodes (`registry: listen:` in fdpd's
config) also answers the names given there (`--allow-host`); there, as everywhere, a write and
private content need a token.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from fdpd.base.loopback import host_is_local

ORIGIN_REFUSED = (
    "Requests from web pages (with an Origin header) are refused by the local registry."
)
HOST_REFUSED = "The local registry answers only requests for localhost, 127.0.0.1 or [::1]."


class LocalOnlyGuard:
    def __init__(
        self, app: ASGIApp, web_host: str | None = None, allowed: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.web_host = web_host
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http = scope["type"] == "http"
        refusal = refusal_of(scope, self.web_host, self.allowed) if http else None
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


def refusal_of(
    scope: Scope, web_host: str | None = None, allowed: frozenset[str] = frozenset()
) -> str | None:
    """Why a request is refused, or None."""
    headers = dict(scope.get("headers") or [])
    if b"origin" in headers:
        return ORIGIN_REFUSED
    host = headers.get(b"host", b"").decode("latin-1")
    name = host_name(host)
    if not host_is_local(host) and not (web_host and name == web_host) and name not in allowed:
        return HOST_REFUSED
    return None


def host_name(host_header: str) -> str:
    """The name in a Host header, lower case, without its port (an IPv6 address without its
    brackets)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.partition(":")[0]
