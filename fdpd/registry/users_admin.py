"""`fdpd registry add-user NAME [--database URL]`: create a registry user and print a new key.

The key is printed once on stdout (nothing else is), so it can be captured into a 0600 file:
`fdpd registry add-user ana > ana.token`. The database keeps only its SHA-256 digest. Running it
again for an existing user adds another key; earlier keys stay valid.

`fdpd registry grant NAMESPACE USER [--database URL]` lets USER write NAMESPACE too (see
`fdpd.registry.ownership`).
"""

from __future__ import annotations

import argparse
import re
import sys

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from fdpd.errors import FdpError, UsageError
from fdpd.registry.auth import create_user
from fdpd.registry.database import create_tables, make_engine
from fdpd.registry.ownership import grant
from fdpd.registry.settings import default_database_url

# Django's username rule, which the reference registry (and its clients' look-ups) follow.
_USERNAME = re.compile(r"[\w.@+-]{1,150}")


def add_user(database_url: str, name: str) -> str:
    """Create user `name` in the registry database (tables created if needed); return a new key."""
    if not _USERNAME.fullmatch(name):
        raise UsageError(
            f"{name!r} is not a valid user name",
            hint="use up to 150 letters, digits and the characters . @ + - _",
        )
    engine = make_engine(database_url)
    try:
        create_tables(engine)
        with Session(engine) as session:
            return create_user(session, name)
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise FdpError(
            f"cannot add user {name!r} to the registry database: {reason}",
            hint="check --database (and that the PostgreSQL server is running)",
        ) from None
    finally:
        engine.dispose()


def main_add_user(args: argparse.Namespace) -> int:
    """Handler of `fdpd registry add-user` (wired by `fdpd.registry.cli`)."""
    key = add_user(args.database or default_database_url(), args.name)
    sys.stdout.write(key + "\n")
    return 0


def grant_namespace(database_url: str, namespace: str, username: str) -> bool:
    """Let `username` write `namespace`; False when they already could."""
    engine = make_engine(database_url)
    try:
        create_tables(engine)
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
    """Handler of `fdpd registry grant` (wired by `fdpd.registry.cli`)."""
    added = grant_namespace(args.database or default_database_url(), args.namespace, args.user)
    verb = "may now write" if added else "could already write"
    sys.stdout.write(f"{args.user} {verb} namespace {args.namespace}\n")
    return 0
