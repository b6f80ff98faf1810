"""Every router of the registry app, in matching order. Add a router here with one line."""

from __future__ import annotations

from fastapi import APIRouter

from fdpd.registry.bulk import router as bulk_router
from fdpd.registry.datastore_api import router as datastore_router
from fdpd.registry.local_copy import router as local_copy_router
from fdpd.registry.management import router as management_router
from fdpd.registry.openapi import router as openapi_router
from fdpd.registry.removal import router as removal_router
from fdpd.registry.reruns import router as reruns_router
from fdpd.registry.resources import router as resources_router
from fdpd.registry.root import router as root_router
from fdpd.registry.special import router as special_router
from fdpd.registry.users import router as users_router
from fdpd.registry.web.routes import router as web_router

ROUTERS: list[APIRouter] = [
    root_router,
    openapi_router,
    users_router,
    resources_router,
    management_router,
    removal_router,
    local_copy_router,  # a pulled record's file fetched later (rerun's inputs)
    reruns_router,  # fdp's record of `fdpctl rerun` verdicts, for the web view
    bulk_router,  # fdp's bulk protocol between fdp registries
    special_router,
    datastore_router,
    web_router,  # the HTML pages under /ui/
]
