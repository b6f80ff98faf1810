"""Every router of the registry app, in matching order. Add a router here with one line."""

from __future__ import annotations

from fastapi import APIRouter

from fdpregistry.bulk import router as bulk_router
from fdpregistry.bulk_files import router as bulk_files_router
from fdpregistry.datastore_api import router as datastore_router
from fdpregistry.local_copy import router as local_copy_router
from fdpregistry.management import router as management_router
from fdpregistry.openapi import router as openapi_router
from fdpregistry.removal import router as removal_router
from fdpregistry.reruns import router as reruns_router
from fdpregistry.resources import router as resources_router
from fdpregistry.root import router as root_router
from fdpregistry.special import router as special_router
from fdpregistry.users import router as users_router
from fdpregistry.users_admin import router as users_admin_router
from fdpregistry.web.routes import router as web_router

ROUTERS: list[APIRouter] = [
    root_router,
    openapi_router,
    users_router,
    resources_router,
    management_router,
    users_admin_router,  # POST /fdp/users (local mode)
    removal_router,
    local_copy_router,  # a pulled record's file fetched later (rerun's inputs)
    reruns_router,  # fdp's record of `fdpctl rerun` verdicts, for the web view
    bulk_router,  # fdp's bulk protocol between fdp registries
    bulk_files_router,  # its small files in bulk
    special_router,
    datastore_router,
    web_router,  # the HTML pages under /ui/
]
