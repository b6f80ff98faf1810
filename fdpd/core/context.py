"""What every feature of fdpd works with: locations, journal, settings and the typed services
(fdpd.core.services), with start/stop hooks (`on_startup` / `on_shutdown`).

The server makes one at start-up; routes get it through `fdpd.api.deps.Context`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fdpd import __version__
from fdpd.base.paths import Locations
from fdpd.base.settings import DaemonSettings
from fdpd.core.services import Services

if TYPE_CHECKING:  # annotations only: the server binds its socket before importing SQLAlchemy
    from fdpd.journal import Journal

LifespanHook = Callable[["DaemonContext"], Awaitable[None]]


@dataclass
class Listeners:
    """Where this fdpd accepts connections (for status and for the client)."""

    socket_path: str | None = None
    tcp_address: str | None = None
    socket_activated: bool = False


@dataclass
class DaemonContext:
    locations: Locations
    journal: Journal
    settings: DaemonSettings
    listeners: Listeners = field(default_factory=Listeners)
    version: str = __version__
    pid: int = field(default_factory=os.getpid)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    services: Services = field(default_factory=Services)
    startup_hooks: list[LifespanHook] = field(default_factory=list)
    shutdown_hooks: list[LifespanHook] = field(default_factory=list)
    # Set when fdpd begins to shut down; long-running streams watch it and end.
    shutting_down: asyncio.Event = field(default_factory=asyncio.Event)
    # Operations in progress, by journal id (see fdpd.core.operations); cancelled at shutdown.
    running_operations: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    # Installed by the server: asks uvicorn to stop (used by `POST /v1/daemon/stop`).
    request_stop: Callable[[], None] = field(default=lambda: None)
    monotonic_start: float = field(default_factory=time.monotonic)

    @property
    def uptime_seconds(self) -> float:
        return time.monotonic() - self.monotonic_start

    def on_startup(self, hook: LifespanHook) -> None:
        self.startup_hooks.append(hook)

    def on_shutdown(self, hook: LifespanHook) -> None:
        """Run `hook` at shutdown; hooks run in reverse order of registration."""
        self.shutdown_hooks.append(hook)

    def begin_shutdown(self) -> None:
        """Tell streams that fdpd is stopping and cancel running operations (idempotent)."""
        self.shutting_down.set()
        for task in list(self.running_operations.values()):
            task.cancel()
