"""`fdpd registry add-user NAME [--database URL] [--output FILE]`: create a registry user and
hand out a new key.

The key is printed once on stdout (nothing else is), or with `--output FILE` written to a new
0600 file, whatever the umask, which `fdpctl remote add --token-file FILE` accepts as it is (a
redirect, `> ana.token`, makes a 0644 file under the usual umask, which it refuses). The
database keeps only the key's SHA-256 digest. Running it again for an existing user adds another
key; earlier keys stay valid.

`POST /fdp/users` `{"username": NAME}` (admin key, local mode only) does the same over HTTP and
answers 201 `{"username": NAME, "token": KEY}`: fdpd gives each fdp user of `fdpctl config` a
registry user of its own so, through the registry rather than into its database.

`fdpd registry grant NAMESPACE USER [--database URL]` lets USER write NAMESPACE too (see
`fdpregistry.ownership`).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fdpd.base.errors import FdpError, UsageError
from fdpregistry.auth import create_user
from fdpregistry.database import make_engine
from fdpregistry.http import ApiError, json_response, read_json_body
from fdpregistry.management import require_admin
from fdpregistry.migrations import upgrade
from fdpregistry.models import User, table_of
from fdpregistry.ownership import grant
from fdpregistry.settings import RegistrySettings, default_database_url

# Django's username rule, which the reference registry (and its clients' look-ups) follow.
_USERNAME = re.compile(r"[\w.@+-]{1,150}")

router = APIRouter()


def add_user(database_url: str, name: str) -> str:
    """Create user `name` in the registry database (its schema created or upgraded if needed);
    return a new key."""
    check_username(name)
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        return add_user_to(engine, name)
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise FdpError(
            f"cannot add user {name!r} to the registry database: {reason}",
            hint="check --database (and that the PostgreSQL server is running)",
        ) from None
    finally:
        engine.dispose()


def check_username(name: str) -> None:
    """Django's username rule; a UsageError for any other name."""
    if not _USERNAME.fullmatch(name):
        raise UsageError(
            f"{name!r} is not a valid user name",
            hint="use up to 150 letters, digits and the characters . @ + - _",
        )


def add_user_to(engine: Engine, name: str) -> str:
    """Create user `name` (a valid name) unless it exists, refusing a lookalike of another
    user's name; return a new key of it (earlier keys stay valid)."""
    with Session(engine) as session:
        _check_lookalike(session, name)
        return create_user(session, name)


def _check_lookalike(session: Session, name: str) -> None:
    """Refuse a new user name others could take for an existing one (`\\u0430lice`, `alice`)."""
    from fdpregistry.lookalikes import lookalike_problem  # Unicode's table, on first use

    existing = session.connection().execute(select(table_of(User).c.username)).scalars()
    problem = lookalike_problem(name, existing, "user")
    if problem is not None:
        raise UsageError(problem, hint="choose a user name that looks like no other")


def main_add_user(args: argparse.Namespace) -> int:
    """Handler of `fdpd registry add-user` (wired by `fdpregistry.cli`)."""
    database_url = args.database or default_database_url()
    if args.output is None:
        sys.stdout.write(add_user(database_url, args.name) + "\n")
        return 0
    output = Path(args.output).absolute()
    descriptor = _create_private_file(output)  # before the user: a refusal changes nothing
    try:
        key = add_user(database_url, args.name)
    except BaseException:
        os.close(descriptor)
        output.unlink(missing_ok=True)
        raise
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    sys.stdout.write(f"a new key of user {args.name} is in {output} (0600)\n")
    return 0


def _create_private_file(path: Path) -> int:
    """A new file only its owner can read, never one that exists (it may hold another key)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise FdpError(
            f"{path} exists already",
            hint="choose another file, or remove it first (earlier keys stay valid)",
        ) from None
    except OSError as error:
        raise FdpError(
            f"cannot create {path}: {error.strerror}",
            hint="check that the folder exists and is writable",
        ) from None
    os.fchmod(descriptor, 0o600)  # the umask can only narrow the mode; make it exact
    return descriptor


def grant_namespace(database_url: str, namespace: str, username: str) -> bool:
    """Let `username` write `namespace`; False when they already could."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            return grant(conn, namespace, username)
    except LookupError as error:
        raise FdpError(
            str(error), hint="check the names (`fdpd registry add-user` creates users)"
        ) from None
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise FdpError(
            f"cannot grant namespace {namespace!r} to {username!r}: {reason}",
            hint="check --database (and that the PostgreSQL server is running)",
        ) from None
    finally:
        engine.dispose()


def main_grant(args: argparse.Namespace) -> int:
    """Handler of `fdpd registry grant` (wired by `fdpregistry.cli`)."""
    added = grant_namespace(args.database or default_database_url(), args.namespace, args.user)
    verb = "may now write" if added else "could already write"
    sys.stdout.write(f"{args.user} {verb} namespace {args.namespace}\n")
    return 0


async def post_user(request: Request) -> Response:
    """`POST /fdp/users`: `add_user` for the admin of a local registry."""
    settings: RegistrySettings = request.app.state.settings
    try:
        if settings.shared:  # a shared registry's admins use `fdpd registry add-user`
            raise ApiError.detail(404, "Not found.")
        require_admin(request, "add users")
        body = await read_json_body(request, settings.max_body_bytes)
        name = body.get("username") if isinstance(body, dict) else None
        if not isinstance(name, str):
            raise ApiError(400, {"username": ["This field is required."]})
        try:
            check_username(name)
            key = add_user_to(request.app.state.engine, name)
        except UsageError as error:
            raise ApiError(400, {"username": [f"{error.message}: {error.hint}"]}) from None
    except ApiError as error:
        return error.response()
    return json_response({"username": name, "token": key}, status=201)


router.add_route("/fdp/users", post_user, methods=["POST"])
