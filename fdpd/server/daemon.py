"""Running fdpd: take the instance lock, open listeners and journal, serve until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn

from fdpd import __version__
from fdpd.base import memory_trace
from fdpd.base.errors import FdpError
from fdpd.base.paths import LocationError, Locations, resolve_locations
from fdpd.base.settings import DaemonSettings, ignored_registry_environment, load_settings
from fdpd.core.context import Listeners
from fdpd.journal.prepare import prepare_journal
from fdpd.server import sd_notify
from fdpd.server.gate import StartupGate
from fdpd.server.guard import RequestGuard
from fdpd.server.instance import InstanceLock
from fdpd.server.listeners import (
    TcpAddress,
    bind_tcp_socket,
    bind_unix_socket,
    systemd_sockets,
)
from fdpd.server.logging_setup import configure_logging
from fdpd.server.tcp_token import ensure_daemon_token

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("fdpd")

# Seconds open connections get to finish once fdpd is asked to stop; streams end at once.
SHUTDOWN_GRACE_SECONDS = 3


@dataclass(frozen=True)
class DaemonOptions:
    tcp: TcpAddress | None = None
    allow_remote: bool = False
    log_level: str = "info"


class DaemonServer(uvicorn.Server):
    """uvicorn's server, plus systemd notifications and shutdown that reaches open streams."""

    def __init__(self, config: uvicorn.Config, gate: StartupGate) -> None:
        super().__init__(config)
        self.gate = gate
        self._loop: asyncio.AbstractEventLoop | None = None

    def stop(self) -> None:
        self.should_exit = True
        self.gate.begin_shutdown()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().startup(sockets)
        if self.started:
            log.info("fdpd %s ready (pid %d)", __version__, os.getpid())
            sd_notify.notify("READY=1")

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        sd_notify.notify("STOPPING=1")
        self.gate.begin_shutdown()
        await super().shutdown(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None:
            # A signal handler interrupts the loop's thread; hand the work to the loop itself.
            self._loop.call_soon_threadsafe(self._begin_shutdown_on_signal, sig)

    def _begin_shutdown_on_signal(self, sig: int) -> None:
        log.info("received %s, shutting down", signal.Signals(sig).name)
        self.gate.begin_shutdown()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Like uvicorn's, but without re-raising the signal afterwards: a requested stop is a
        # clean exit (status 0), which is what systemd and launchd should see.
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_daemon(options: DaemonOptions) -> int:
    """Serve in the foreground until SIGTERM/SIGINT or `POST /v1/daemon/stop`; return exit code."""
    os.umask(0o077)  # everything fdpd creates is private to the user
    try:
        locations = resolve_locations()
        locations.ensure()
    except (LocationError, OSError) as exc:
        log.error("%s", exc)
        return 1
    configure_logging(locations.daemon_log_path, options.log_level)
    lock = InstanceLock(locations.socket_path, locations.pid_path)
    bound_socket: Path | None = None
    try:
        lock.acquire()
        sockets, listeners = _open_listeners(locations, options)
        bound_socket = None if listeners.socket_activated else locations.socket_path
        lock.write_pid()
        return _serve(locations, options, sockets, listeners)
    except FdpError as exc:
        log.error("%s%s", exc.message, f" ({exc.hint})" if exc.hint else "")
        return 1
    finally:
        if bound_socket is not None:
            bound_socket.unlink(missing_ok=True)
        lock.release()


def _open_listeners(
    locations: Locations, options: DaemonOptions
) -> tuple[list[socket.socket], Listeners]:
    activated = systemd_sockets(os.environ)
    if activated:
        names = [str(sock.getsockname()) for sock in activated]
        log.info("using %d socket(s) from systemd: %s", len(activated), ", ".join(names))
        unix = [sock for sock in activated if sock.family == socket.AF_UNIX]
        socket_path = str(unix[0].getsockname()) if unix else None
        sockets, listeners = activated, Listeners(socket_path=socket_path, socket_activated=True)
    else:
        sockets = [bind_unix_socket(locations.socket_path, locations.pid_path)]
        listeners = Listeners(socket_path=str(locations.socket_path))
    if options.tcp is not None:
        sockets.append(bind_tcp_socket(options.tcp, options.allow_remote))
        listeners.tcp_address = str(options.tcp)
    return sockets, listeners


def _serve(
    locations: Locations,
    options: DaemonOptions,
    sockets: list[socket.socket],
    listeners: Listeners,
) -> int:
    """Serve `sockets`: the ping at once, everything else once `_build_daemon` is done (in the
    background: `fdpd.server.gate`). What can stop fdpd from starting is checked before it
    answers anything: the journal opens and migrates, the settings parse, the token file."""
    memory_trace.start_if_asked()
    prepare_journal(locations.journal_path)
    settings = load_settings(locations)
    for ignored in ignored_registry_environment(settings, locations):
        log.warning("%s", ignored)
    # Any TCP listener (ours or systemd's) is guarded by the daemon token.
    serves_tcp = any(sock.family != socket.AF_UNIX for sock in sockets)
    token = ensure_daemon_token(locations.daemon_token_path) if serves_tcp else None
    built: list[FastAPI] = []

    def build() -> FastAPI:
        built.append(_build_daemon(locations, settings, listeners, gate))
        return built[0]

    gate = StartupGate(build, listeners.socket_path, request_stop=lambda: server.stop())
    config = uvicorn.Config(
        RequestGuard(gate, token),
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",
        loop="asyncio",
        http="h11",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    server = DaemonServer(config, gate)
    log.info("fdpd %s starting on %s", __version__, _describe(listeners))
    try:
        asyncio.run(server.serve(sockets=sockets))
    except SystemExit as exc:  # uvicorn exits like this when the app's startup fails
        log.error("fdpd could not start (status %s)", exc.code)
        return 1
    finally:
        for app in built:
            app.state.context.journal.close()
    if gate.failure is not None:
        return 1
    log.info("fdpd stopped")
    return 0


def _build_daemon(
    locations: Locations, settings: DaemonSettings, listeners: Listeners, gate: StartupGate
) -> FastAPI:
    """The daemon behind the gate: journal (recovered after a crash), context, services, app.
    Runs in a worker thread while fdpd already answers its ping."""
    from fdpd.core.context import DaemonContext
    from fdpd.journal import Journal
    from fdpd.server.app import create_app
    from fdpd.server.recovery import recover_after_crash
    from fdpd.server.startup import attach_services

    journal = Journal.open(locations.journal_path)
    try:
        recover_after_crash(journal, locations)
        ctx = DaemonContext(
            locations=locations,
            journal=journal,
            settings=settings,
            listeners=listeners,
            started=gate.started,
            monotonic_start=gate.monotonic_start,
        )
        attach_services(ctx)
        return create_app(ctx)
    except BaseException:
        journal.close()
        raise


def _describe(listeners: Listeners) -> str:
    parts = [f"socket {listeners.socket_path}"] if listeners.socket_path else []
    if listeners.tcp_address:
        parts.append(f"tcp {listeners.tcp_address} (bearer token)")
    return ", ".join(parts) or "systemd sockets"
