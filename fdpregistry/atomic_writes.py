"""Every answer says `FDP-Atomic-Writes: true`: each write here is one database transaction, so a
client may send many at once (fdpd.remote.write_gate writes other registries one at a time)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# fdp's own header; clients that see it may write many records at once
ATOMIC_WRITES_HEADER = "FDP-Atomic-Writes"
_HEADER = (ATOMIC_WRITES_HEADER.lower().encode(), b"true")


class AtomicWritesHeader:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), _HEADER]}
            await send(message)

        await self.app(scope, receive, send_with_header)
