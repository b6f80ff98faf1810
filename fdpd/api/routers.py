"""The one list of the daemon API's routers; `create_app` mounts each under /v1.

A router's module is imported when a request first needs it (fdpd.server.lazy_routers): fdpd
answers its first command without importing the whole API. So each module is listed with the
first path segments (under /v1) of its routes; a test checks the list against the routes.

A new verb group is one module in fdpd/api/ with an `APIRouter` named `router`, plus one line
here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter

# module of fdpd.api → the first path segments of its routes (`/v1/<segment>...`)
ROUTER_MODULES: dict[str, tuple[str, ...]] = {
    "ping": ("ping",),
    "daemon": ("daemon",),
    "operations": ("operations",),
    "registry": ("registry",),
    "users": ("users",),
    "jobs": ("jobs", "run", "working-config"),
    "remotes": ("remotes",),
    "commit": ("commit", "uncommit"),
    "push": ("push",),
    "status": ("status",),
    "pull": ("pull", "update"),
    "schedule": ("schedule",),
    "info": ("info",),
    "gc": ("gc",),
    "delete": ("delete",),
    "names": ("names",),
    "rerun": ("rerun", "reruns"),
}

MODULE_OF_SEGMENT: dict[str, str] = {
    segment: module for module, segments in ROUTER_MODULES.items() for segment in segments
}


def load_router(module: str) -> APIRouter:
    """The `router` of fdpd.api.<module> (imports the module)."""
    router: APIRouter = importlib.import_module(f"fdpd.api.{module}").router
    return router


def module_for_path(path: str) -> str | None:
    """The module whose routes serve `path` (`/v1/<segment>...`); None for any other path."""
    prefix, _, rest = path.partition("/v1/")
    if prefix or not rest:
        return None
    return MODULE_OF_SEGMENT.get(rest.split("/", 1)[0])
