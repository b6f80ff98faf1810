"""Lifecycle of the local registry process: start on demand, hold, stop when idle, restart on death.

Whoever needs the registry (a run, a pull, a language API asking for a working config, or the
user through `fdpctl registry start`) takes a *hold*; the registry runs while any hold exists and
stops once it has had neither a hold nor a request (its own count, in `/fdp/identity`) for
`idle_timeout` seconds. Before talking to whatever answers on
the registry port, fdpd checks that it holds fdpd's own token (`fdpd.base.identity`): a foreign
server is never used and never sees the token.

fdp's registry serves the files of its users' data stores (the web view's downloads): fdpd
lists them in `<state dir>/registry-file-roots`, which the registry reads at each download, and
writes it again whenever it takes a hold, so a data store set up since the start counts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, Unavailable
from fdpd.base.identity import proof_matches
from fdpd.base.loopback import host_is_local
from fdpd.base.paths import Locations
from fdpd.base.settings import RegistrySettings
from fdpd.base.tls import default_ssl_context
from fdpd.base.tokens import REGISTRY_KEY_BYTES, read_or_create_token
from fdpd.base.wire import RegistryRunState, RegistryState
from fdpd.local_registry.access import LocalRegistry, holding
from fdpd.remote.client import RegistryClient
from fdpd.store import atomic_write_bytes

log = logging.getLogger(__name__)

Identity = Literal["ours", "foreign", "down"]
EventSink = Callable[[str, dict[str, Any]], None]
FileRoots = Callable[[], list[Path]]

READY_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
MAX_RESTART_DELAY = 30.0


@dataclass
class _Running:
    process: asyncio.subprocess.Process | None  # None when adopted from an earlier fdpd
    pid: int | None
    started: float
    adopted: bool
    ready: bool = False


class RegistrySupervisor:
    """Owns the one local registry process of this fdpd."""

    def __init__(
        self,
        locations: Locations,
        settings: RegistrySettings,
        on_event: EventSink | None = None,
        file_roots: FileRoots | None = None,
    ) -> None:
        self._locations = locations
        self._settings = settings
        self._on_event = on_event or (lambda kind, details: None)
        self._file_roots = file_roots or list
        self._holders: Counter[str] = Counter()
        self._running: _Running | None = None
        self._transition = asyncio.Lock()
        self._idle_task: asyncio.Task[None] | None = None
        self._monitor_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.restarts = 0

    @property
    def url(self) -> str:
        return self._settings.url

    def client(self, token: str | None) -> RegistryClient:
        return RegistryClient.local(self.url, token)

    def requests(self) -> LocalRegistry:
        return LocalRegistry(self.url)

    @property
    def token(self) -> str:
        """fdpd's token for its own registry, created (0600) on first use."""
        return read_or_create_token(self.token_path, REGISTRY_KEY_BYTES)

    @property
    def token_path(self) -> Path:
        return self._locations.registry_token_path

    @property
    def file_roots_path(self) -> Path:
        """The folders (one a line) whose files fdp's registry serves: the data stores."""
        return self._locations.state_dir / "registry-file-roots"

    def write_file_roots(self) -> None:
        """List the data stores again for the registry (it reads the file at each download)."""
        folders = sorted({str(folder.absolute()) for folder in self._file_roots()})
        text = "".join(f"{folder}\n" for folder in folders if "\n" not in folder)
        try:
            if self.file_roots_path.read_text(encoding="utf-8") == text:
                return
        except (OSError, UnicodeDecodeError):
            pass
        try:
            self.file_roots_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.file_roots_path, text.encode("utf-8"), mode=0o600)
        except OSError as error:
            log.warning("cannot list the data stores for the local registry: %s", error)

    @property
    def manages_database(self) -> bool:
        """False when the user replaced fdp's registry with a command of their own."""
        return not self._settings.command

    def require_own_registry(self, verb: str, needs: str) -> None:
        """Refuse `verb` before it changes anything when the local registry is a command of the
        user's own: `needs` says what of fdp's registry it uses that others do not have."""
        if self.manages_database:
            return
        raise FdpError(
            f"{verb} needs fdp's own registry: the local registry is a `registry: command:` of "
            f"your own, and {verb} {needs}; nothing was changed",
            hint=(
                f"remove `registry: command:` from {self._locations.config_file} and restart "
                f"fdpd (`fdpctl daemon stop`) to use {verb} with fdp's registry"
            ),
            code=ErrorCode.NEEDS_FDP_REGISTRY,
        )

    @property
    def database_url(self) -> str:
        if self._settings.database_url:
            return self._settings.database_url
        return f"sqlite:///{self._locations.registry_database_path}"

    def held(self, holder: str) -> AbstractAsyncContextManager[None]:
        """Keep the registry running for the duration of a `with` block."""
        return holding(self, holder)

    async def acquire(self, holder: str) -> None:
        """Take a hold, starting the registry and waiting until it answers if needed."""
        self._holders[holder] += 1
        self._cancel_idle_stop()
        self.write_file_roots()
        try:
            await self._ensure_running()
        except BaseException:
            await self.release(holder)
            raise

    async def release(self, holder: str) -> None:
        """Give a hold back; the last one out starts the idle countdown."""
        if self._holders[holder] > 0:
            self._holders[holder] -= 1
        if self._holders[holder] <= 0:
            del self._holders[holder]
        if not self._holders and self._running is not None:
            self._schedule_idle_stop()

    async def stop(self) -> None:
        """Stop the registry now (used at daemon shutdown and by `fdpctl registry stop`)."""
        async with self._transition:
            await self._stop_locked()

    def status(self) -> RegistryState:
        running = self._running
        return {
            "state": _state(running),
            "url": self.url,
            "pid": running.pid if running else None,
            "adopted": running.adopted if running else False,
            "holders": sorted(self._holders.elements()),
            "uptime": round(time.monotonic() - running.started, 3) if running else None,
            "restarts": self.restarts,
            "idle_timeout": self._settings.idle_timeout,
        }

    async def _ensure_running(self) -> None:
        async with self._transition:
            if self._running is not None and not _has_exited(self._running):
                return
            if self._running is not None:
                # Died since; its monitor restarts it only after a back-off delay.
                log.warning(
                    "the local registry (pid %s) has exited; starting it now", self._running.pid
                )
                self._running = None
            identity, pid = await self._identify()
            if identity == "ours":
                log.info("adopting the local registry already answering at %s", self.url)
                self._running = _Running(None, pid, time.monotonic(), adopted=True, ready=True)
                self._on_event("registry_adopted", {"url": self.url, "pid": pid})
                return
            if identity == "foreign":
                raise self._foreign_server_error()
            await self._start_locked()

    async def _start_locked(self) -> None:
        process = await self._spawn()
        self._monitor_task = asyncio.create_task(self._monitor(process))

    async def _spawn(self) -> asyncio.subprocess.Process:
        """Start the registry process and wait until it answers as ours."""
        self.token  # noqa: B018 - creates the token file before the server reads it
        await self._check_listen_address()
        log_path = self._locations.log_dir / "registry.log"
        self._locations.log_dir.mkdir(parents=True, exist_ok=True)
        command = self._command()
        with open(log_path, "ab") as log_file:
            start_offset = log_file.tell()
            try:
                process = await asyncio.create_subprocess_exec(
                    *command,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=log_file,
                    start_new_session=True,
                )
            except OSError as error:
                raise self._cannot_run(command, error) from None
        self._stopping = False
        self._running = _Running(process, process.pid, time.monotonic(), adopted=False)
        log.info("started the local registry (pid %d) at %s", process.pid, self.url)
        try:
            await self._wait_ready(process, log_path, start_offset)
        except BaseException:
            await _terminate(process)
            self._running = None
            raise
        self._running.ready = True
        self._on_event("registry_started", {"url": self.url, "pid": process.pid})
        return process

    async def _check_listen_address(self) -> None:
        """`registry: listen:` names an address of this machine (else the registry could not
        start, and would say so only in its log)."""
        host = self._settings.host
        if host_is_local(host):
            return
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
            family, _, _, _, address = infos[0]
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.bind((address[0], 0))
        except (OSError, UnicodeError) as error:
            raise FdpError(
                f"the local registry cannot listen on {host} (`registry: listen:` in "
                f"{self._locations.config_file}): {getattr(error, 'strerror', None) or error}",
                hint="give a name or address of this machine that the compute nodes reach "
                "(`ip -brief address` lists this machine's), or remove the key to listen on "
                "127.0.0.1",
                code=ErrorCode.BAD_SETTINGS,
            ) from None

    def _command(self) -> list[str]:
        values = {
            "host": self._settings.host,
            "port": str(self._settings.port),
            "database": self.database_url,
            "token_file": str(self.token_path),
            "file_roots_file": str(self.file_roots_path),
            "python": sys.executable,
        }
        if self._settings.command:
            return [part.format(**values) for part in self._settings.command]
        return [
            sys.executable, "-m", "fdpd", "registry", "serve",
            "--host", values["host"],
            "--port", values["port"],
            "--database", values["database"],
            "--admin-token-file", values["token_file"],
            "--file-roots-file", values["file_roots_file"],
            "--exit-when-orphaned", str(self._settings.idle_timeout),
            *(f"--allow-host={name}" for name in self._settings.allowed_hosts),
        ]  # fmt: skip

    def _cannot_run(self, command: list[str], error: OSError) -> Unavailable:
        if self._settings.command:
            where = f"registry.command in {self._locations.config_file}"
        else:
            where = "fdp's installation (fdpd runs its own registry with this Python)"
        return Unavailable(
            f"cannot start the local registry: {command[0]!r}: {error.strerror or error}",
            hint=f"check {where}",
        )

    async def _wait_ready(
        self, process: asyncio.subprocess.Process, log_path: Path, start_offset: int
    ) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.returncode is not None:
                said = _last_words(log_path, start_offset)
                raise Unavailable(
                    f"the local registry exited with status {process.returncode} while starting"
                    + (f": {said}" if said else ""),
                    hint=f"see {log_path}",
                )
            identity, _ = await self._identify()
            if identity == "ours":
                return
            if identity == "foreign":
                raise self._foreign_server_error()
            await asyncio.sleep(0.05)
        raise Unavailable(
            f"the local registry did not answer at {self.url} within {READY_TIMEOUT:.0f} s",
            hint=f"see {log_path}",
        )

    async def _identify(self) -> tuple[Identity, int | None]:
        """Is the registry port free, held by our registry, or held by something else?

        fdp's own registry proves it holds fdpd's token without fdpd sending it. A registry
        command of the user's own (another implementation) is trusted if it accepts the token.
        """
        try:
            async with httpx.AsyncClient(timeout=2.0, verify=default_ssl_context()) as client:
                if not self.manages_database:
                    return await self._identify_by_token(client), None
                challenge = secrets.token_hex(16)
                answer = await client.get(
                    self.url.replace("/api/", "/fdp/identity"), params={"challenge": challenge}
                )
        except httpx.TransportError:
            return "down", None
        body = _json_object(answer)
        if answer.status_code != 200 or not proof_matches(self.token, challenge, body.get("proof")):
            return "foreign", None
        pid = body.get("pid")
        return "ours", pid if isinstance(pid, int) else None

    async def _identify_by_token(self, client: httpx.AsyncClient) -> Identity:
        headers = {"Authorization": f"token {self.token}", "Accept": "application/json"}
        answer = await client.get(f"{self.url}username/", headers=headers)
        return "ours" if answer.status_code == 200 else "foreign"

    def _foreign_server_error(self) -> FdpError:
        port = self._settings.port
        return Unavailable(
            f"port {port} on {self._settings.host} is in use by a program that is not fdp's "
            "registry (it does not accept fdp's token); fdp will not talk to it",
            hint=(
                f"stop that program (FAIR-CLI's registry also uses port {port}: `fair registry "
                f"stop`), or choose another port with `registry: {{port: N}}` in "
                f"{self._locations.config_file} or FDP_REGISTRY_PORT"
            ),
            code=ErrorCode.REGISTRY_PORT_TAKEN,
        )

    async def _monitor(self, process: asyncio.subprocess.Process) -> None:
        """Restart the registry with backoff if it dies while fdpd still wants it."""
        delay = 1.0
        while True:
            status = await process.wait()
            if self._stopping or self._running is None or self._running.process is not process:
                return
            self.restarts += 1
            log.warning(
                "the local registry exited (status %s); restarting in %.0f s", status, delay
            )
            self._on_event("registry_restart", {"status": status, "delay": delay})
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY)
            async with self._transition:
                if self._stopping or self._running is None or self._running.process is not process:
                    return  # stopped meanwhile, or a holder already started a new one
                self._running = None
                try:
                    process = await self._spawn()
                except FdpError as exc:
                    log.error("restarting the local registry failed: %s", exc.message)
                    return

    async def _stop_locked(self) -> None:
        running = self._running
        if running is None:
            return
        self._stopping = True
        self._cancel_idle_stop()
        if running.process is not None:
            await _terminate(running.process)
        elif running.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(running.pid, signal.SIGTERM)
        self._running = None
        if self._monitor_task is not None and self._monitor_task is not asyncio.current_task():
            self._monitor_task.cancel()
        self._monitor_task = None
        self._on_event("registry_stopped", {"url": self.url, "pid": running.pid})
        log.info("stopped the local registry (pid %s)", running.pid)

    def _schedule_idle_stop(self) -> None:
        self._cancel_idle_stop()
        self._idle_task = asyncio.create_task(self._stop_when_idle())

    def _cancel_idle_stop(self) -> None:
        if self._idle_task is not None and self._idle_task is not asyncio.current_task():
            self._idle_task.cancel()
        self._idle_task = None

    async def _stop_when_idle(self) -> None:
        """Stop once there has been no holder and no request for `idle_timeout` seconds: a
        client using the registry directly (a model, a browser) holds nothing but asks."""
        wait = self._settings.idle_timeout
        while True:
            await asyncio.sleep(wait)
            async with self._transition:
                if self._holders or self._running is None:
                    return
                idle = await self._idle_seconds()
                if idle is None or idle >= self._settings.idle_timeout:
                    self._idle_task = None
                    await self._stop_locked()
                    return
            wait = max(0.1, self._settings.idle_timeout - idle)

    async def _idle_seconds(self) -> float | None:
        """How long the registry has had no request (0 while one is in flight); None when it
        does not say (a registry command of the user's own, or no answer)."""
        if not self.manages_database:
            return None
        try:
            async with httpx.AsyncClient(timeout=2.0, verify=default_ssl_context()) as client:
                answer = await client.get(self.url.replace("/api/", "/fdp/identity"))
        except httpx.TransportError:
            return None
        idle = _json_object(answer).get("idle_seconds")
        return float(idle) if isinstance(idle, int | float) else None


def _json_object(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _last_words(log_path: Path, offset: int) -> str:
    """What a registry that exited while starting said last: its own error line (`fdpd
    registry: ...`), else the last line it wrote (a traceback's ends with the exception)."""
    try:
        with open(log_path, "rb") as log_file:
            log_file.seek(offset)
            text = log_file.read(64 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    own = [line for line in lines if line.startswith("fdpd registry: ")]
    return own[-1].removeprefix("fdpd registry: ") if own else (lines[-1] if lines else "")


def _has_exited(running: _Running) -> bool:
    if running.process is not None:
        return running.process.returncode is not None
    if running.pid is None:
        return False
    try:
        os.kill(running.pid, 0)  # an adopted registry is not our child: probe it
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _state(running: _Running | None) -> RegistryRunState:
    if running is None:
        return "stopped"
    return "running" if running.ready else "starting"


async def _terminate(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
