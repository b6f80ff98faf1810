"""What fdpd serves from the moment its socket is bound: `GET /v1/ping` at once, every other
request once the daemon behind it is built.

Building the daemon (the journal's SQLAlchemy engine, crash recovery, FastAPI, the services and
their start-up hooks) takes most of fdpd's start-up, while a client starting fdpd only waits for
it to answer. So `StartupGate` answers the ping itself and builds the daemon in a worker thread
(imports there leave the event loop free), then runs its start-up hooks on the loop; any other
request waits for that and goes to the built app. Nothing reaches the journal or a feature
before the recovery has run; a build that fails is logged, answers 503 and stops fdpd (status 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.types import Receive, Scope, Send

from fdpd import __version__
from fdpd.base.error_codes import ErrorCode, status_of
from fdpd.base.errors import FdpError
from fdpd.base.wire import Ping

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("fdpd")

PING_PATH = "/v1/ping"


class StartupGate:
    """The ASGI app uvicorn serves: ping at once, the rest from the app `build()` returns."""

    def __init__(
        self,
        build: Callable[[], FastAPI],
        socket_path: str | None,
        request_stop: Callable[[], None],
    ) -> None:
        self._build = build
        self._socket_path = socket_path
        self._request_stop = request_stop
        self.started = datetime.now(UTC)  # the daemon's context takes these over
        self.monotonic_start = time.monotonic()
        self.app: FastAPI | None = None
        self.failure: str | None = None
        self._ready = asyncio.Event()
        self._building: asyncio.Task[None] | None = None
        self._lifespan = contextlib.AsyncExitStack()
        self._stopping = False

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
            return
        if not self._ready.is_set() and _is_ping(scope):
            await _answer(send, 200, self._ping())
            return
        await self._ready.wait()
        if self.app is None:
            error = {"code": ErrorCode.UNAVAILABLE, "message": self.failure, "hint": ""}
            await _answer(send, status_of(ErrorCode.UNAVAILABLE), {"error": error})
            return
        await self.app(scope, receive, send)

    def begin_shutdown(self) -> None:
        """fdpd is stopping: tell the built daemon (now, or once it is built)."""
        self._stopping = True
        if self.app is not None:
            self.app.state.context.begin_shutdown()

    def _ping(self) -> Ping:
        return {
            "version": __version__,
            "pid": os.getpid(),
            "socket": self._socket_path,
            "started": self.started.isoformat(timespec="seconds"),
            "uptime_seconds": round(time.monotonic() - self.monotonic_start, 3),
        }

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._building = asyncio.create_task(self._build_and_start())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._building is not None:
                    await self._building
                try:
                    await self._lifespan.aclose()
                except Exception:
                    log.exception("fdpd's shutdown failed")
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _build_and_start(self) -> None:
        try:
            app = await asyncio.to_thread(self._build)
            app.state.context.request_stop = self._request_stop
            await self._lifespan.enter_async_context(app.router.lifespan_context(app))
        except FdpError as exc:
            self._fail(f"{exc.message}{f' ({exc.hint})' if exc.hint else ''}")
        except Exception as exc:  # logged with its traceback; fdpd stops rather than half-runs
            log.exception("building the daemon failed")
            self._fail(f"fdpd could not start: {type(exc).__name__}: {exc}")
        else:
            self.app = app
            if self._stopping:
                app.state.context.begin_shutdown()
        self._ready.set()

    def _fail(self, message: str) -> None:
        log.error("%s", message)
        self.failure = message
        self._request_stop()


def _is_ping(scope: Scope) -> bool:
    return bool(scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == PING_PATH)


async def _answer(send: Send, status: int, body: Any) -> None:
    content = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(content))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
