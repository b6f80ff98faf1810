"""Token authentication (docs/registry-api.md) and user provisioning.

Keys are 40 lowercase hex characters, handed out once and stored only as SHA-256 digests.
`Authorization: token <key>` (keyword case-insensitive) authenticates; any other scheme, such as
`Bearer`, is anonymous; a malformed or unknown key is refused with 403 even where anonymous
access would do.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from fdpd.base.tokens import REGISTRY_KEY_BYTES
from fdpregistry.database import inserted_id
from fdpregistry.models import ApiToken, User, table_of

NO_CREDENTIALS = "Authentication credentials were not provided."
INVALID_TOKEN = "Invalid token."
TOKEN_HEADER_EMPTY = "Invalid token header. No credentials provided."
TOKEN_HEADER_SPACES = "Invalid token header. Token string should not contain spaces."


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request."""

    id: int
    username: str


class AuthError(Exception):
    """Credentials were given but are unusable; answered with 403 and `detail`."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def new_token() -> str:
    """A fresh API key: 40 lowercase hex characters."""
    return secrets.token_hex(REGISTRY_KEY_BYTES)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_authorization(header: str | None) -> str | None:
    """The key of a `token` Authorization header; None when the request is anonymous."""
    if not header:
        return None
    parts = header.split()
    if not parts or parts[0].lower() != "token":
        return None
    if len(parts) == 1:
        raise AuthError(TOKEN_HEADER_EMPTY)
    if len(parts) > 2:
        raise AuthError(TOKEN_HEADER_SPACES)
    return parts[1]


class TokenAuthenticator:
    """Resolves keys to users, remembering keys it has seen valid (keys are never revoked)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._known: dict[str, Caller] = {}

    def authenticate(self, header: str | None) -> Caller | None:
        """The caller named by an Authorization header, None if anonymous; AuthError if invalid."""
        key = parse_authorization(header)
        if key is None:
            return None
        digest = hash_token(key)
        caller = self._known.get(digest)
        if caller is None:
            caller = self._lookup(digest)
            if caller is None:
                raise AuthError(INVALID_TOKEN)
            self._known[digest] = caller
        return caller

    def _lookup(self, digest: str) -> Caller | None:
        users, tokens = table_of(User), table_of(ApiToken)
        query = (
            select(users.c.id, users.c.username)
            .join(tokens, tokens.c.user_id == users.c.id)
            .where(tokens.c.token_hash == digest)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return Caller(int(row[0]), str(row[1])) if row else None


def request_caller(request: Request) -> Caller | None:
    """The caller of a request; raises AuthError for a bad key."""
    authenticator: TokenAuthenticator = request.app.state.authenticator
    return authenticator.authenticate(request.headers.get("authorization"))


# --- provisioning ---------------------------------------------------------------------------


def ensure_user(session: Session, name: str) -> User:
    """The user called `name`, created when missing (not committed)."""
    users = table_of(User)
    conn = session.connection()
    row = conn.execute(select(users.c.id).where(users.c.username == name)).first()
    if row is None:
        result = conn.execute(insert(users).values(username=name))
        user_id = inserted_id(result)
    else:
        user_id = int(row[0])
    return User(id=user_id, username=name)


def add_token(session: Session, user: User, key: str) -> None:
    """Store `key` (hashed) as a key of `user` (not committed)."""
    assert user.id is not None
    values = {"user_id": user.id, "token_hash": hash_token(key), "created": _now()}
    session.connection().execute(insert(table_of(ApiToken)).values(**values))


def create_user(session: Session, name: str) -> str:
    """Create user `name` if needed, give it a new key, commit, and return the key."""
    user = ensure_user(session, name)
    key = new_token()
    add_token(session, user, key)
    session.commit()
    return key


def ensure_user_with_token(session: Session, name: str, key: str) -> User:
    """Make sure user `name` exists and `key` is one of its keys; commit.

    Returns a detached `User` carrying id and username.
    """
    user = ensure_user(session, name)
    digest = hash_token(key)
    tokens = table_of(ApiToken)
    owner = (
        session.connection()
        .execute(select(tokens.c.user_id).where(tokens.c.token_hash == digest))
        .scalar_one_or_none()
    )
    if owner is None:
        add_token(session, user, key)
    elif owner != user.id:
        raise ValueError(f"that token already belongs to another user than {name!r}")
    session.commit()
    return user


def _now() -> datetime:
    return datetime.now(UTC)
