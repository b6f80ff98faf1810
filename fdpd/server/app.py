"""The app factory: the FastAPI app with every router (mounted on first use), error handlers,
lifespan and guard."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from fdpd import __version__
from fdpd.core.context import DaemonContext
from fdpd.server.error_handlers import install_error_handlers
from fdpd.server.lazy_routers import LazyRouters, MountRoutersFirst
from fdpd.server.openapi_statuses import document_error_statuses
from fdpd.server.request_text import refuse_unusable_text

log = logging.getLogger(__name__)


def create_app(ctx: DaemonContext) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for hook in ctx.startup_hooks:
            await hook(ctx)
        try:
            yield
        finally:
            ctx.begin_shutdown()
            for hook in reversed(ctx.shutdown_hooks):
                try:
                    await hook(ctx)
                except Exception:
                    log.exception("a shutdown hook failed")

    app = FastAPI(
        title="fdpd",
        version=__version__,
        summary="The FAIR Data Pipeline sync daemon",
        openapi_url="/v1/openapi.json",
        redirect_slashes=False,  # an API answers the path it is asked: 404, not a 307
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = ctx
    install_error_handlers(app, ctx.locations.daemon_log_path)
    routers = LazyRouters(app, dependencies=[Depends(refuse_unusable_text)])
    app.add_middleware(MountRoutersFirst, routers=routers)
    document_error_statuses(app)
    documented = app.openapi

    def openapi() -> dict[str, Any]:
        routers.mount_all()  # the document lists every route
        return documented()

    app.openapi = openapi  # type: ignore[method-assign]
    return app
