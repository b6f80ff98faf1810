"""One-time login codes and the browser sessions they open (the way Jupyter logs a browser in).

fdpd (holding a token) asks `POST /fdp/login-code` for a code; the user's browser opens
`http://<web host>:<port>/ui/login?code=<code>` once, within `CODE_SECONDS`, and gets an
HttpOnly, SameSite=Strict session cookie. The web host is a name of this registry's own under
`.localhost` (`web_host`): browsers scope cookies by host name but not by port, so a cookie of
`127.0.0.1` would go to every program listening there; one of `fdp-<label>.localhost` goes only
where the label is known. Logins happen, and sessions count, only under that name. A session
lets the browser *see* private items and fetch their files; it never authorises a write (writes
read only the Authorization header). Codes and sessions live in the registry process's memory
(stored as SHA-256 digests): a restarted registry forgets them. The access log never holds a
code: `RedactLoginCodes` blanks it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass, field

from starlette.requests import Request

from fdpregistry.auth import AuthError, Caller, request_caller

CODE_SECONDS = 120.0
SESSION_SECONDS = 12 * 3600.0
COOKIE = "fdp_session"
_MAX_ENTRIES = 1000  # codes or sessions kept at once; the oldest go first
_CODE_IN_PATH = re.compile(r"([?&]code=)[^&\s]*")


def web_host(admin_key: str) -> str:
    """The web view's host name: `fdp-<label>.localhost`, the label derived from the admin key
    (fdpd's token), so it is stable across restarts and unknown to anyone without the key."""
    mac = hmac.new(admin_key.encode("ascii"), b"fdp web view host name", hashlib.sha256)
    return f"fdp-{mac.hexdigest()[:24]}.localhost"


def on_web_host(request: Request) -> bool:
    """Whether the request names this registry's web host (where its cookie lives)."""
    own: str | None = getattr(request.app.state, "web_host", None)
    host = request.headers.get("host", "").strip().lower().partition(":")[0]
    return own is not None and host == own


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


@dataclass
class SessionStore:
    """Login codes (single use) and sessions, by digest: (caller, expiry on the monotonic clock)."""

    codes: dict[str, tuple[Caller, float]] = field(default_factory=dict)
    sessions: dict[str, tuple[Caller, float]] = field(default_factory=dict)

    def mint_code(self, caller: Caller) -> str:
        code = secrets.token_urlsafe(24)
        _put(self.codes, _digest(code), caller, CODE_SECONDS)
        return code

    def redeem(self, code: str) -> str | None:
        """A new session id for a valid unused code (which is then spent), else None."""
        entry = self.codes.pop(_digest(code), None)
        if entry is None or entry[1] < time.monotonic():
            return None
        session_id = secrets.token_urlsafe(32)
        _put(self.sessions, _digest(session_id), entry[0], SESSION_SECONDS)
        return session_id

    def caller_of(self, session_id: str) -> Caller | None:
        entry = self.sessions.get(_digest(session_id))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]


def _put(entries: dict[str, tuple[Caller, float]], key: str, caller: Caller, life: float) -> None:
    now = time.monotonic()
    for stale in [k for k, (_, expiry) in entries.items() if expiry < now]:
        del entries[stale]
    while len(entries) >= _MAX_ENTRIES:
        del entries[next(iter(entries))]
    entries[key] = (caller, now + life)


def store_of(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.sessions
    return store


def session_caller(request: Request) -> Caller | None:
    """The user whose session cookie the request carries, if it is valid (under the web host
    only: nowhere else may a browser hold it)."""
    session_id = request.cookies.get(COOKIE) if on_web_host(request) else None
    return store_of(request).caller_of(session_id) if session_id else None


def viewer_of(request: Request) -> Caller | None:
    """Who may see private items: a valid token's user, else a session's user, else None."""
    try:
        caller = request_caller(request)
    except AuthError:
        caller = None
    return caller or session_caller(request)


def session_cookie(session_id: str) -> str:
    """The Set-Cookie value of a new session (no Max-Age: gone when the browser closes)."""
    return f"{COOKIE}={session_id}; HttpOnly; SameSite=Strict; Path=/"


class RedactLoginCodes(logging.Filter):
    """Blanks `code=...` in the path of uvicorn's access-log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = _CODE_IN_PATH.sub(r"\1(redacted)", args[2])
            record.args = (*args[:2], path, *args[3:])
        return True


def redact_login_codes_in_access_log() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactLoginCodes) for f in logger.filters):
        logger.addFilter(RedactLoginCodes())
