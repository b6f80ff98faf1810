"""A local registry whose fdpd is gone stops by itself once idle.

fdpd starts its registry as a process of its own, so a model talking to it is not cut off if fdpd
dies, and the next fdpd adopts it. If no fdpd comes back the registry would run for ever: with
`--exit-when-orphaned SECONDS` it exits once its parent has changed (the fdpd that started it is
gone) and it has had no request for that long, the same rule by which fdpd stops an idle one.

fdpd asks for the same figures (`in_flight`, `idle_seconds` in `GET /fdp/identity`) before it
stops an idle registry: a client using it directly (a model, a browser) keeps it running. fdpd's
own identity probes are not activity.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Protocol

log = logging.getLogger(__name__)

Scope = dict[str, Any]


class AsgiApp(Protocol):
    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None: ...


class Stoppable(Protocol):
    should_exit: bool


NOT_ACTIVITY = "/fdp/identity"


class OrphanWatch:
    """ASGI wrapper that notes request activity, and the check that stops an orphaned server."""

    def __init__(self, app: AsgiApp, idle_seconds: float) -> None:
        self.app = app
        self.idle_seconds = idle_seconds
        self._parent = os.getppid()
        self._in_flight = 0
        self._last_activity = time.monotonic()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") == NOT_ACTIVITY:
            await self.app(scope, receive, send)
            return
        self._in_flight += 1
        self._last_activity = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self._in_flight -= 1
            self._last_activity = time.monotonic()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def quiet_for(self, now: float) -> float:
        """Seconds since the last request ended (0 while one is in flight)."""
        return 0.0 if self._in_flight else max(0.0, now - self._last_activity)

    def orphaned_and_idle(self, now: float) -> bool:
        return (
            os.getppid() != self._parent
            and self._in_flight == 0
            and now - self._last_activity >= self.idle_seconds
        )

    def watch(self, server: Stoppable) -> None:
        """Run in a thread: ask `server` to stop once orphaned and idle."""
        poll = min(10.0, max(0.1, self.idle_seconds / 4))
        while not server.should_exit:
            time.sleep(poll)
            if self.orphaned_and_idle(time.monotonic()):
                log.info(
                    "the fdpd that started this registry is gone and nothing asked for %g s: "
                    "stopping",
                    self.idle_seconds,
                )
                server.should_exit = True
