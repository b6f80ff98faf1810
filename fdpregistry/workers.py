"""`fdpd registry serve --workers N`: one registry served by N processes on one port.

uvicorn starts each worker as a fresh (spawned) process that imports the app by name, so the
settings travel in an environment variable and `worker_app` builds the app from them. The parent
creates the tables and provisions `admin` once before any worker starts: N workers doing it at
the same moment would race on the same rows. Only PostgreSQL takes writes from several processes
at once; SQLite would answer "database is locked", so it is refused.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from fdpd.base.errors import UsageError
from fdpregistry.app import build_app, prepare_database, read_or_create_token_file
from fdpregistry.database import make_engine
from fdpregistry.settings import KEEP_ALIVE_SECONDS, RegistrySettings

SETTINGS_VARIABLE = "FDP_REGISTRY_WORKER_SETTINGS"
WORKER_APP = "fdpregistry.workers:worker_app"


def check_workers(
    settings: RegistrySettings, workers: int, exit_when_orphaned: float | None
) -> None:
    """Refuse what N worker processes cannot do (a SQLite database, the orphan watch)."""
    if workers == 1:
        return
    database_url = settings.resolved_database_url()
    if not is_postgresql(database_url):
        raise UsageError(
            f"--workers {workers} needs a PostgreSQL database, not {_backend(database_url)}: "
            "SQLite takes one writer at a time, and several processes writing one SQLite file "
            "fail with 'database is locked'",
            hint="give --database postgresql+psycopg://user:password@host/db, "
            "or leave out --workers to serve SQLite from one process",
        )
    if exit_when_orphaned is not None:
        raise UsageError(
            "--exit-when-orphaned is for the local registry fdpd runs in one process; "
            "it does not combine with --workers",
            hint="leave out one of the two options",
        )


def is_postgresql(database_url: str) -> bool:
    try:
        return make_url(database_url).get_backend_name() == "postgresql"
    except ArgumentError:
        return False


def _backend(database_url: str) -> str:
    try:
        return make_url(database_url).get_backend_name()
    except ArgumentError:
        return "an unparsable URL"


def export_settings(settings: RegistrySettings) -> None:
    """Put `settings` where every worker process finds them (inherited environment)."""
    values = asdict(settings)
    values["admin_token_file"] = str(settings.admin_token_file or "") or None
    values["file_roots"] = [str(folder) for folder in settings.file_roots]
    values["file_roots_file"] = str(settings.file_roots_file or "") or None
    os.environ[SETTINGS_VARIABLE] = json.dumps(values)


def imported_settings() -> RegistrySettings:
    """The settings `export_settings` left for this worker."""
    values = json.loads(os.environ[SETTINGS_VARIABLE])
    token_file = values.pop("admin_token_file")
    file_roots = values.pop("file_roots")
    roots_file = values.pop("file_roots_file")
    return RegistrySettings(
        **values,
        file_roots_file=Path(roots_file) if roots_file else None,
        admin_token_file=Path(token_file) if token_file else None,
        file_roots=tuple(Path(folder) for folder in file_roots),
    )


def prepare_for_workers(settings: RegistrySettings) -> None:
    """Create the tables and provision `admin` once, before any worker starts."""
    engine = make_engine(settings.resolved_database_url())
    try:
        prepare_database(engine, settings)
    finally:
        engine.dispose()


def worker_app() -> FastAPI:
    """uvicorn's app factory in each worker: the app over the database the parent prepared."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    settings = imported_settings()
    engine = make_engine(settings.resolved_database_url())
    token_file = settings.admin_token_file
    admin_key = read_or_create_token_file(token_file) if token_file is not None else None
    return build_app(settings, engine, admin_key)


def serve_workers(settings: RegistrySettings, workers: int, *, access_log: bool) -> int:
    """Run `workers` processes on the already prepared database until SIGINT/SIGTERM."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    export_settings(settings)
    config = uvicorn.Config(
        WORKER_APP,
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        access_log=access_log,
        log_level="info",
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()
    failed = any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes)
    return 1 if failed else 0
