"""The registry's app factory: `create_app(settings)` → a FastAPI app serving the REST API."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fdpd.base.errors import FdpError
from fdpd.base.tokens import REGISTRY_KEY_BYTES, read_or_create_token
from fdpregistry.atomic_writes import AtomicWritesHeader
from fdpregistry.auth import TokenAuthenticator, ensure_user, ensure_user_with_token
from fdpregistry.database import make_engine
from fdpregistry.guard import LocalOnlyGuard
from fdpregistry.http import ApiError
from fdpregistry.management import ADMIN_USERNAME
from fdpregistry.migrations import upgrade
from fdpregistry.routers import ROUTERS
from fdpregistry.settings import RegistrySettings
from fdpregistry.web.sessions import SessionStore, redact_login_codes_in_access_log, web_host

_KEY = re.compile(r"[0-9a-f]{40}")


def create_app(settings: RegistrySettings) -> FastAPI:
    """Open (and create) the database, provision `admin`, and mount every router of ROUTERS."""
    engine = make_engine(settings.resolved_database_url())
    admin_key = prepare_database(engine, settings)
    return build_app(settings, engine, admin_key)


def prepare_database(engine: Engine, settings: RegistrySettings) -> str | None:
    """Create or upgrade the schema (`migrations.upgrade`) and provision `admin` (what one
    process does before serving).

    Returns the admin key (None without an admin token file).
    """
    upgrade(engine)
    return provision_admin(engine, settings)


def build_app(settings: RegistrySettings, engine: Engine, admin_key: str | None) -> FastAPI:
    """Mount every router of ROUTERS over a prepared database; writes nothing.

    `app.state` carries `settings`, `engine`, `authenticator`, `sessions` and (local mode, with
    an admin key) `web_host`, the web view's own host name, for the routes.
    """
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, title="fdp registry")
    app.state.settings = settings
    app.state.engine = engine
    app.state.admin_key = admin_key  # proves this server's identity to fdpd (/fdp/identity)
    app.state.authenticator = TokenAuthenticator(engine)
    app.state.sessions = SessionStore()  # the web view's login codes and browser sessions
    app.state.web_host = None
    redact_login_codes_in_access_log()
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(ApiError, _api_error_response)  # type: ignore[arg-type]
    if not settings.shared:
        app.state.web_host = web_host(admin_key) if admin_key else None
        app.add_middleware(
            LocalOnlyGuard, web_host=app.state.web_host, allowed=settings.allowed_hosts
        )
    app.add_middleware(AtomicWritesHeader)
    return app


async def _api_error_response(_request: Request, error: ApiError) -> Response:
    return error.response()


def provision_admin(engine: Engine, settings: RegistrySettings) -> str | None:
    """Make sure `admin` exists (always in local mode) and owns the key in the admin token file.

    Returns that key (None without an admin token file).
    """
    with Session(engine) as session:
        if settings.admin_token_file is not None:
            key = read_or_create_token_file(settings.admin_token_file)
            ensure_user_with_token(session, ADMIN_USERNAME, key)
            return key
        if not settings.shared:
            ensure_user(session, ADMIN_USERNAME)
            session.commit()
    return None


def read_or_create_token_file(path: Path) -> str:
    """The key in `path`; a fresh key written to a new 0600 file when `path` does not exist."""
    key = read_or_create_token(path, REGISTRY_KEY_BYTES)
    if not _KEY.fullmatch(key):
        raise FdpError(
            f"admin token file {path} does not hold a registry key (40 lowercase hex characters)",
            hint="delete the file to have a new key created, or write a valid key into it",
        )
    return key
