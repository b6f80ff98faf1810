"""`fdpd registry ...`: run the registry server (`serve`), upgrade its database's schema
(`migrate`) or manage its users (`add-user`, `grant`)."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fdpd.base.errors import FdpError, UsageError
from fdpregistry.settings import KEEP_ALIVE_SECONDS, RegistrySettings

INTERRUPTED = 130  # stopped by Ctrl-C (128 + SIGINT), as a shell reports it


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fdpd registry", description="FAIR data registry server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the registry REST server in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument(
        "--database",
        default="",
        metavar="URL",
        help="SQLAlchemy URL (default: SQLite registry.db in fdp's data dir); "
        "PostgreSQL as postgresql+psycopg://user:pass@host/db",
    )
    serve.add_argument(
        "--data-store", metavar="DIR|s3://bucket/prefix", help="where uploaded files are kept"
    )
    serve.add_argument("--shared", action="store_true", help="multi-user remote registry mode")
    serve.add_argument(
        "--file-root",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder whose files /data_product/... may serve (repeatable); no other local "
        "file is ever read",
    )
    serve.add_argument(
        "--file-roots-file",
        type=Path,
        metavar="FILE",
        help="a file listing more such folders, one a line, read again at each use (fdpd "
        "keeps its users' data stores there)",
    )
    serve.add_argument(
        "--admin-token-file",
        type=Path,
        metavar="FILE",
        help="key of user 'admin' (created 0600 with a fresh key when missing)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host name (or address) a local registry answers besides localhost (repeatable): "
        "the address it listens on for a cluster's compute nodes",
    )
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")
    serve.add_argument(
        "--workers",
        type=_worker_count,
        default=1,
        metavar="N",
        help="serve from N processes on one port (PostgreSQL only; default 1)",
    )
    serve.add_argument(
        "--exit-when-orphaned",
        type=float,
        metavar="SECONDS",
        help="exit once the parent process (fdpd) is gone and no request came for SECONDS",
    )
    migrate = commands.add_parser(
        "migrate",
        help="upgrade the registry database's schema to this release's (serve does it too)",
        description="Bring the registry database's schema to the newest revision this fdp knows, "
        "keeping every record: a new database is created, one made by an older fdp (or before fdp "
        "had schema revisions) is upgraded, one already up to date is left alone. `serve` does "
        "the same at every start; run this to upgrade a team registry's database on its own, "
        "before starting the new release. Stop the registry and back the database up first.",
    )
    migrate.add_argument(
        "--database",
        default="",
        metavar="URL",
        help="SQLAlchemy URL (default: SQLite registry.db in fdp's data dir)",
    )
    add_user = commands.add_parser("add-user", help="create a user and print a new key")
    add_user.add_argument("name")
    add_user.add_argument("--database", default="", metavar="URL")
    add_user.add_argument(
        "--output", metavar="FILE", help="write the key to FILE, a new 0600 file, not stdout"
    )
    add_user.set_defaults(handler=_add_user)
    grant = commands.add_parser(
        "grant", help="let USER create and change data products in NAMESPACE (shared mode)"
    )
    grant.add_argument("namespace")
    grant.add_argument("user")
    grant.add_argument("--database", default="", metavar="URL")
    grant.set_defaults(handler=_grant)
    return parser


# The parser names every command without importing what runs them (SQLAlchemy, FastAPI, the
# registry's tables): each command imports its own module when it runs.


def _add_user(args: argparse.Namespace) -> int:
    from fdpregistry.users_admin import main_add_user

    return main_add_user(args)


def _grant(args: argparse.Namespace) -> int:
    from fdpregistry.users_admin import main_grant

    return main_grant(args)


def main(argv: list[str]) -> int:
    """Run one `fdpd registry` command: 0 done, 1 it failed, 2 a wrong command line, 130
    `serve` stopped by Ctrl-C."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "migrate":
            return migrate(args)
        result = args.handler(args)
        return int(result or 0)
    except KeyboardInterrupt:  # uvicorn stops cleanly on Ctrl-C, then raises it again
        return INTERRUPTED
    except FdpError as error:
        print(f"fdpd registry: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return 2 if isinstance(error, UsageError) else 1


def _worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return count


def serve(args: argparse.Namespace) -> int:
    from fdpregistry.app import create_app
    from fdpregistry.workers import check_workers, prepare_for_workers, serve_workers

    settings = RegistrySettings(
        host=args.host,
        port=args.port,
        database_url=args.database,
        data_store=args.data_store,
        shared=args.shared,
        admin_token_file=args.admin_token_file,
        file_roots=tuple(path.absolute() for path in args.file_root),
        file_roots_file=args.file_roots_file.absolute() if args.file_roots_file else None,
        allowed_hosts=tuple(name.lower() for name in args.allow_host),
    )
    check_workers(settings, args.workers, args.exit_when_orphaned)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    database_url = settings.resolved_database_url()
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with _opening_database(database_url):
        if args.workers > 1:
            prepare_for_workers(settings)
        else:
            app = create_app(settings)
    if args.workers > 1:
        return serve_workers(settings, args.workers, access_log=args.access_log)
    return _serve_one(app, settings, args)


def migrate(args: argparse.Namespace) -> int:
    """`fdpd registry migrate`: upgrade the database and say from which revision to which."""
    from fdpregistry.database import make_engine
    from fdpregistry.migrations import upgrade

    database_url = RegistrySettings(database_url=args.database).resolved_database_url()
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with _opening_database(database_url):
        engine = make_engine(database_url)
        try:
            done = upgrade(engine)
        finally:
            engine.dispose()
    where = f"registry database {_redacted(database_url)}"
    if done.created:
        print(f"{where}: created at schema revision {done.after}")
    elif done.before == done.after:
        print(f"{where}: already at schema revision {done.after}")
    else:
        print(f"{where}: upgraded from {done.before or 'before revisions'} to {done.after}")
    return 0


@contextmanager
def _opening_database(database_url: str) -> Iterator[None]:
    """Database errors while opening it, as an FdpError naming the (password-less) URL."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise FdpError(
            f"cannot open the registry database {_redacted(database_url)}: {reason}",
            hint="check --database (and that the PostgreSQL server is running)",
        ) from None


def _serve_one(app: Any, settings: RegistrySettings, args: argparse.Namespace) -> int:
    import uvicorn

    from fdpd.base import memory_trace
    from fdpregistry.orphan import OrphanWatch

    memory_trace.start_if_asked()
    watch = OrphanWatch(app, args.exit_when_orphaned) if args.exit_when_orphaned else None
    app.state.activity = watch  # what `/fdp/identity` tells fdpd's idle stop
    config = uvicorn.Config(
        watch or app,
        host=settings.host,
        port=settings.port,
        access_log=args.access_log,
        log_level="info",
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    server = uvicorn.Server(config)
    if watch is not None:
        threading.Thread(target=watch.watch, args=(server,), daemon=True).start()
    server.run()
    return 0 if server.started else 1


def _redacted(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"
