"""fdp in process: no fdpd, no registry subprocess, no socket.

- `registry_in_process`: fdp's registry app (`fdpregistry.app.create_app`) over a new SQLite
  file, called through `httpx.ASGITransport`; `shared=True` with a folder `data_store` is a
  shared remote registry with its data store, as `fdpd registry serve --shared` serves it.
- `daemon_in_process`: a `DaemonContext` in a private FDP_HOME whose local registry
  (`Services.registry`, the seam `fdpd.local_registry.access.LocalRegistryService`) is that app
  in process and whose remotes (`Services.remote_transport`) are in-process shared registries,
  routed by host; the daemon app itself is called over ASGI too (`InProcessDaemon.call`,
  `InProcessDaemon.verb` for a streamed operation), and `InProcessDaemon.journal` is its journal.

Tests using these are not marked `process` (tests/conftest.py): `pytest -m "not process"` runs
them in seconds. What a process proves (sockets, signals, kill -9, language APIs, the real
fdpctl) stays in the tests that start one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from fdpd.base.paths import Locations, resolve_locations
from fdpd.base.settings import DaemonSettings
from fdpd.base.wire import RegistryState
from fdpd.core.context import DaemonContext
from fdpd.features.gc.inventory import Inventory, read_inventory
from fdpd.journal import Journal
from fdpd.local_registry.access import LocalRegistry, holding
from fdpd.remote.client import RegistryClient
from fdpd.server.app import create_app as create_daemon_app
from fdpregistry.app import create_app
from fdpregistry.database import make_engine
from fdpregistry.migrations import upgrade
from fdpregistry.settings import RegistrySettings
from fdpregistry.users_admin import add_user
from tests.sync.seed import ACCEPT, Seeder

BASE = "http://127.0.0.1:8000"  # only a name: the app is called in process
DAEMON_BASE = "http://fdpd"  # likewise, for the daemon app


# --- transports -------------------------------------------------------------------------------


class SyncASGI(httpx.BaseTransport):
    """`httpx.ASGITransport` for a synchronous client (a seeder): the requests run the app in
    an event loop of the transport's own, kept until the client closes (one loop and one thread
    pool for all its requests, not one each)."""

    def __init__(self, app: FastAPI) -> None:
        self.asgi = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=request.read()
            )
            answer = await self.asgi.handle_async_request(forwarded)
            content = await answer.aread()
            return httpx.Response(answer.status_code, headers=answer.headers, content=content)

        return self._loop.run_until_complete(send())

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()


class HostRouter(httpx.AsyncBaseTransport):
    """Requests go to the app registered for their host and port (several in-process registries
    behind one transport, as several remotes are behind the network). An unknown host is
    unreachable, as a registry nobody serves."""

    def __init__(self) -> None:
        self.apps: dict[str, httpx.ASGITransport] = {}

    def add(self, base_url: str, app: FastAPI) -> None:
        self.apps[httpx.URL(base_url).netloc.decode()] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.apps.get(request.url.netloc.decode())
        if transport is None:
            raise httpx.ConnectError(f"nothing answers at {request.url.host}", request=request)
        return await transport.handle_async_request(request)


# --- registries -------------------------------------------------------------------------------


@dataclass
class InProcessRegistry:
    """One registry app and what tests reach it with. Like `RunningRegistry` (a process), it has
    `base_url`, `api`, `admin_token`, `admin_headers()` and `add_user()`; `get`, `post`, `put`...
    are `httpx.get`, `httpx.post`... for it (no token, httpx's own headers)."""

    app: FastAPI
    token: str  # admin's
    seeder: Seeder  # writes as admin
    base_url: str
    database_url: str
    store: Path | None = None  # the data store folder (shared registries)
    _clients: list[httpx.Client] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    @property
    def api(self) -> str:
        return self.api_url

    @property
    def admin_token(self) -> str:
        return self.token

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self._plain.get(url, **options)

    def head(self, url: str, **options: Any) -> httpx.Response:
        return self._plain.head(url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self._plain.post(url, **options)

    def put(self, url: str, **options: Any) -> httpx.Response:
        return self._plain.put(url, **options)

    def patch(self, url: str, **options: Any) -> httpx.Response:
        return self._plain.patch(url, **options)

    def delete(self, url: str, **options: Any) -> httpx.Response:
        return self._plain.delete(url, **options)

    @property
    def _plain(self) -> httpx.Client:
        if not self._clients:
            self._clients.append(self.http(accept=None))
        return self._clients[0]

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def client(self, name: str = "local registry", token: str | None = None) -> RegistryClient:
        """An async client whose requests go straight to the app (admin's token by default)."""
        return RegistryClient(
            self.base_url, token or self.token, name=name, transport=self.transport()
        )

    def seeder_for(self, token: str) -> Seeder:
        """A synchronous seeder writing with `token` (close it)."""
        return in_process_seeder(self.app, self.base_url, token)

    def http(self, token: str | None = None, accept: str | None = ACCEPT) -> httpx.Client:
        """A synchronous client for raw requests (anonymous unless given a token; without
        `accept`, httpx's own Accept header; close it)."""
        headers = {"Accept": accept} if accept else {}
        if token:
            headers["Authorization"] = f"token {token}"
        return httpx.Client(base_url=self.base_url, headers=headers, transport=SyncASGI(self.app))

    def add_user(self, name: str) -> str:
        """A new registry user (as `fdpd registry add-user` makes one): its token."""
        return add_user(self.database_url, name)

    def inventory(self) -> Inventory:
        async def read() -> Inventory:
            async with self.client() as client:
                return await read_inventory(client)

        return asyncio.run(read())

    def path(self, record: dict[str, Any]) -> str:
        """A record's local registry path, `/api/<type>/<id>/`."""
        return "/api/" + str(record["url"]).split("/api/", 1)[1]


_EMPTY_DATABASE: list[Path] = []  # this process's registry database at HEAD, made once


def _start_from_an_empty_database(database_url: str) -> None:
    """A new SQLite registry database starts as a copy of one `upgrade` made in this process,
    which `create_app` then finds at HEAD: the same schema, without building its ~27 tables
    again for every registry in process (about half of a registry's set-up)."""
    path = make_url(database_url).database
    if not database_url.startswith("sqlite:///") or not path or Path(path).exists():
        return
    if not _EMPTY_DATABASE:
        empty = Path(tempfile.mkdtemp(prefix="fdp-empty-registry-")) / "registry.db"
        engine = make_engine(f"sqlite:///{empty}")
        upgrade(engine)
        engine.dispose()
        _EMPTY_DATABASE.append(empty)
    with sqlite3.connect(_EMPTY_DATABASE[0]) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    source.close()
    copy.close()


def in_process_seeder(app: FastAPI, base_url: str, token: str) -> Seeder:
    return Seeder(base_url, token, transport=SyncASGI(app))


@contextmanager
def registry_in_process(
    folder: Path,
    base_url: str = BASE,
    *,
    shared: bool = False,
    data_store: Path | str | None = None,
    token_file: Path | None = None,
    database_url: str | None = None,
    file_roots: tuple[Path, ...] = (),
    with_data_store: bool = True,
) -> Iterator[InProcessRegistry]:
    """A registry over a new SQLite file in `folder` (or `database_url`); its admin writes.
    Without `data_store` (a folder, or an `s3://bucket/prefix` text), one is made in
    `folder / "store"` (none with `with_data_store=False`); `file_roots` as `--file-root`."""
    folder.mkdir(parents=True, exist_ok=True)
    store = (data_store or folder / "store") if with_data_store else None
    token_path = token_file or folder / "admin-token"
    database_url = database_url or f"sqlite:///{folder / 'registry.db'}"
    _start_from_an_empty_database(database_url)
    settings = RegistrySettings(
        database_url=database_url,
        data_store=str(store) if store else None,
        shared=shared,
        admin_token_file=token_path,
        file_roots=file_roots,
    )
    app = create_app(settings)
    token = token_path.read_text().strip()
    seeder = in_process_seeder(app, base_url, token)
    folder_store = store if isinstance(store, Path) else None
    registry = InProcessRegistry(
        app, token, seeder, base_url, settings.resolved_database_url(), folder_store
    )
    try:
        yield registry
    finally:
        registry.close()
        seeder.close()
        app.state.engine.dispose()


class InProcessLocalRegistry:
    """The local registry seam (`LocalRegistryService`) over an in-process registry app: always
    running, holds counted as the supervisor counts them."""

    def __init__(self, registry: InProcessRegistry, token_path: Path) -> None:
        self.registry = registry
        self._token_path = token_path
        self.holders: Counter[str] = Counter()
        self.holds_taken: list[str] = []

    @property
    def url(self) -> str:
        return self.registry.api_url

    @property
    def token(self) -> str:
        return self.registry.token

    @property
    def token_path(self) -> Path:
        return self._token_path

    @property
    def database_url(self) -> str:
        return self.registry.database_url

    @property
    def manages_database(self) -> bool:
        return True

    def held(self, holder: str) -> AbstractAsyncContextManager[None]:
        return holding(self, holder)

    async def acquire(self, holder: str) -> None:
        self.holders[holder] += 1
        self.holds_taken.append(holder)

    async def release(self, holder: str) -> None:
        self.holders[holder] -= 1
        if self.holders[holder] <= 0:
            del self.holders[holder]

    async def stop(self) -> None:
        self.holders.clear()

    def status(self) -> RegistryState:
        return {
            "state": "running",
            "url": self.url,
            "pid": None,
            "adopted": False,
            "holders": sorted(self.holders.elements()),
            "uptime": None,
            "restarts": 0,
            "idle_timeout": 0.0,
        }

    def require_own_registry(self, verb: str, needs: str) -> None:
        return None

    def write_file_roots(self) -> None:
        return None  # the in-process app is given its file roots when it is made

    def client(self, token: str | None) -> RegistryClient:
        return RegistryClient.local(self.url, token, transport=self.registry.transport())

    def requests(self) -> LocalRegistry:
        return LocalRegistry(self.url, transport=self.registry.transport())


# --- the daemon -------------------------------------------------------------------------------


@dataclass
class InProcessDaemon:
    """One fdp instance in process: its context, its registry, the remotes it can reach."""

    home: Path
    ctx: DaemonContext
    local: InProcessLocalRegistry
    app: FastAPI
    runner: asyncio.Runner
    router: HostRouter
    remotes: dict[str, InProcessRegistry] = field(default_factory=dict)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @property
    def locations(self) -> Locations:
        return self.ctx.locations

    @property
    def journal(self) -> Journal:
        return self.ctx.journal

    @property
    def registry(self) -> InProcessRegistry:
        return self.local.registry

    def run(self, work: Any) -> Any:
        """Run a coroutine on the daemon's event loop (operations started earlier go on in it)."""
        return self.runner.run(work)

    def call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> httpx.Response:
        """One request to the daemon app (`/v1/...`); a streamed answer comes back whole."""

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=DAEMON_BASE) as client:
                answer = await client.request(method, path, json=body)
                await answer.aread()
                return answer

        result: httpx.Response = self.run(send())
        return result

    def verb(self, path: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A long operation (`POST /v1/push`, `/v1/pull`...): its NDJSON events, to the end."""
        answer = self.call("POST", path, body)
        if answer.status_code != 200:  # refused before it started: `{"error": {...}}`
            return [{"type": "error", "status": answer.status_code, **answer.json()["error"]}]
        return [json.loads(line) for line in answer.text.splitlines() if line.strip()]

    def add_remote_registry(
        self, name: str, folder: Path, base_url: str | None = None
    ) -> InProcessRegistry:
        """A shared registry with a folder data store, reachable from this daemon (not yet
        added as a remote: `POST /v1/remotes` does that)."""
        base = base_url or f"http://{name}.remote.test:8000"
        registry = self._stack.enter_context(
            registry_in_process(folder, base, shared=True, data_store=folder / "store")
        )
        self.router.add(base, registry.app)
        self.remotes[name] = registry
        return registry

    def close(self) -> None:
        try:
            self._stack.close()
        finally:
            self.journal.close()
            self.runner.close()


@contextmanager
def daemon_in_process(
    home: Path, settings: DaemonSettings | None = None, registry_base: str = BASE
) -> Iterator[InProcessDaemon]:
    """fdpd's features in process in FDP_HOME `home`: the local registry is fdp's registry app
    over the instance's registry database and token file, as the supervisor would serve it, named
    `registry_base` (tests/served_registry.py serves it there for a model's process)."""
    locations = resolve_locations({"FDP_HOME": str(home)})
    for folder in (locations.config_dir, locations.data_dir, locations.state_dir):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    runner = asyncio.Runner()
    journal = Journal.open(locations.journal_path)
    ctx = DaemonContext(locations, journal, settings or DaemonSettings())
    router = HostRouter()
    ctx.services.remote_transport = router
    stack = contextlib.ExitStack()
    try:
        registry = stack.enter_context(
            registry_in_process(
                locations.registry_database_path.parent / "registry-in-process",
                registry_base,
                token_file=locations.registry_token_path,
                database_url=f"sqlite:///{locations.registry_database_path}",
            )
        )
    except BaseException:
        journal.close()
        runner.close()
        raise
    local = InProcessLocalRegistry(registry, locations.registry_token_path)
    ctx.services.registry = local
    app = create_daemon_app(ctx)
    daemon = InProcessDaemon(home, ctx, local, app, runner, router, _stack=stack)
    try:
        yield daemon
    finally:
        daemon.close()
