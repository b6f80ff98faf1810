"""The daemon API's routers, mounted when a request first needs one.

fdpd answers its first command sooner when it imports only what that command's route needs:
the router modules pull in the features behind them (sync, jobs, the config generator, httpx...).
`LazyRouters` mounts a module's router on the first request to one of its paths (the import runs
in a worker thread, so the event loop keeps serving meanwhile); anything that lists every route
(the OpenAPI document) mounts them all first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.params import Depends
from starlette.types import ASGIApp, Receive, Scope, Send

from fdpd.api.routers import ROUTER_MODULES, load_router, module_for_path

PREFIX = "/v1"


class LazyRouters:
    """Which of `app`'s router modules are mounted; mount one or all of them on demand."""

    def __init__(self, app: FastAPI, dependencies: Sequence[Depends]) -> None:
        self.app = app
        self.dependencies = list(dependencies)
        self.mounted: set[str] = set()
        self._lock = asyncio.Lock()

    def mount(self, module: str) -> None:
        if module not in self.mounted:
            router = load_router(module)
            self.app.include_router(router, prefix=PREFIX, dependencies=self.dependencies)
            self.mounted.add(module)
            self.app.openapi_schema = None

    def mount_all(self) -> None:
        for module in ROUTER_MODULES:
            self.mount(module)

    async def mount_for(self, path: str) -> None:
        module = module_for_path(path)
        if module is None or module in self.mounted:
            return
        async with self._lock:
            if module not in self.mounted:
                # importing takes a while the first time: not on the event loop's thread
                await asyncio.to_thread(load_router, module)
                self.mount(module)


class MountRoutersFirst:
    """ASGI middleware: before a request reaches the routes, mount the router it needs."""

    def __init__(self, app: ASGIApp, routers: LazyRouters) -> None:
        self.app = app
        self.routers = routers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            await self.routers.mount_for(scope["path"])
        await self.app(scope, receive, send)
