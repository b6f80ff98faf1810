"""fdp's local registry as the daemon's features ask it, over the one registry client.

Reads are anonymous (as the language APIs read); a write carries the token it is given. Each
token gets a `RegistryClient` of its own (one keep-alive pool each; a feature uses two or three),
so timeouts, retries, request counts and error messages are the same as for any registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import httpx

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import Unavailable
from fdpd.base.wire import RegistryState
from fdpd.remote.client import LOCAL_REGISTRY_LOG_HINT, FilterValue, Record, RegistryClient


class LocalRegistryService(Protocol):
    """fdp's local registry as the daemon's features reach it (`ctx.services.registry`): where
    it is, fdpd's token for it, holding it for an operation, and its clients. fdpd gives the
    supervisor of the registry process (`fdpd.local_registry.supervisor.RegistrySupervisor`);
    in-process tests give fdp's registry app over `httpx.ASGITransport` (tests/inprocess.py). Every
    client of the local registry is made here, so features run unchanged against either."""

    @property
    def url(self) -> str: ...

    @property
    def token(self) -> str:
        """fdpd's (admin) token for its own registry."""
        ...

    @property
    def token_path(self) -> Path: ...

    @property
    def database_url(self) -> str: ...

    @property
    def manages_database(self) -> bool:
        """False when the user replaced fdp's registry with a command of their own."""
        ...

    def held(self, holder: str) -> AbstractAsyncContextManager[None]:
        """Keep the registry running (starting it if needed) for a `with` block."""
        ...

    async def acquire(self, holder: str) -> None: ...

    async def release(self, holder: str) -> None: ...

    async def stop(self) -> None: ...

    def status(self) -> RegistryState: ...

    def require_own_registry(self, verb: str, needs: str) -> None: ...

    def write_file_roots(self) -> None:
        """Tell the registry the data stores whose files it may serve (the web view's downloads)."""
        ...

    def client(self, token: str | None) -> RegistryClient:
        """A registry client for the local registry that sends `token` (None: anonymous)."""
        ...

    def requests(self) -> LocalRegistry:
        """The local registry's requests as features ask them (`LocalRegistry`)."""
        ...


@asynccontextmanager
async def holding(registry: LocalRegistryService, holder: str) -> AsyncIterator[None]:
    """`registry.held(holder)` for a service whose holds are its `acquire` and `release`."""
    await registry.acquire(holder)
    try:
        yield
    finally:
        await registry.release(holder)


class LocalRegistry:
    """Requests to the local registry at `api_url`; anonymous unless a token is given per call."""

    def __init__(self, api_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.api_url = api_url
        self._transport = transport
        self._clients: dict[str | None, RegistryClient] = {}

    async def __aenter__(self) -> LocalRegistry:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def client(self, token: str | None = None) -> RegistryClient:
        """The registry client that sends `token` (None: anonymous)."""
        if token not in self._clients:
            self._clients[token] = RegistryClient.local(
                self.api_url, token, transport=self._transport
            )
        return self._clients[token]

    async def list(
        self,
        table: str,
        params: Mapping[str, FilterValue],
        token: str | None = None,
        *,
        page_size: int | None = None,
    ) -> list[Record]:
        """Every `table` record matching `params` (fdp asks for exact matches only, which
        fit the registry's default page)."""
        return await self.client(token).list_records(table, params, page_size=page_size)

    async def first(
        self, table: str, params: Mapping[str, FilterValue], token: str | None = None
    ) -> Record | None:
        found = await self.list(table, params, token)
        return found[0] if found else None

    async def record(self, url: str, token: str | None = None) -> Record:
        """The record a link points at (host ignored: always this registry)."""
        return await self.client(token).get(url)

    async def create(self, table: str, body: dict[str, Any], token: str) -> None:
        """POST a record; an existing one (409) is fine too."""
        await self.post(table, body, token)

    async def post(self, table: str, body: Mapping[str, Any], token: str) -> Record | None:
        """POST a record: the new record, or None when it clashes with one (409)."""
        return await self.client(token).post(table, body)

    async def put(self, route: str, body: Mapping[str, Any], token: str) -> Record:
        """PUT to one of fdp's own routes (`/fdp/...`)."""
        client = self.client(token)
        return await client.put(client.route_url(route), body)

    async def post_route(
        self, route: str, token: str, body: Mapping[str, Any] | None = None
    ) -> Record:
        """POST to one of fdp's own routes (`/fdp/...`), with a JSON body if given."""
        client = self.client(token)
        return await client.post_to(client.route_url(route), body)

    async def remove(self, paths: Sequence[str], admin_token: str) -> bool:
        """Remove records through fdp's `POST /fdp/remove` (admin only, all or none); False if
        the registry refused because other records still use them (409)."""
        return await self.client(admin_token).remove_records(paths) is None


class BlockingReads:
    """The local registry's reads for synchronous code in a worker thread (the working-config
    generator): each read runs on the event loop that owns the client, and the thread waits."""

    def __init__(
        self, registry: LocalRegistry, loop: asyncio.AbstractEventLoop, timeout: float
    ) -> None:
        self._registry = registry
        self._loop = loop
        self._timeout = timeout
        self.api_url = registry.api_url

    def records(self, table: str, filters: Mapping[str, str], page_size: int) -> list[Record]:
        reading = self._registry.list(table, filters, page_size=page_size)
        future = asyncio.run_coroutine_threadsafe(reading, self._loop)
        try:
            return future.result(self._timeout)
        except TimeoutError:
            future.cancel()
            raise Unavailable(
                f"the local registry did not answer GET {table}/ within {self._timeout:g} s",
                hint=LOCAL_REGISTRY_LOG_HINT,
                code=ErrorCode.REGISTRY_DOWN,
            ) from None
