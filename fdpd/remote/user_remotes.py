"""Remote registries: `fdpctl remote add NAME URL --token-file FILE [--data-store URL]`.

Remotes are kept in `remotes.yaml` in fdp's config dir (fdpd writes it atomically; a person may
read or edit it). A remote names the *file* holding its token, never the token: fdpd reads the file
when it talks to the remote and refuses one that other users can read. `origin` is the default.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import yaml

from fdpd.base.bounded_read import CONFIG_CAP, off_loop, read_capped
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, NotFound
from fdpd.base.paths import Locations
from fdpd.base.tokens import read_private_token
from fdpd.base.wire import RemoteOut
from fdpd.base.yaml_bounds import load_bounded_yaml
from fdpd.store import atomic_write_bytes

if TYPE_CHECKING:  # fdpd reads remotes.yaml at start-up, imports the client when it first talks
    import httpx

    from fdpd.remote.client import RegistryClient

DEFAULT_REMOTE = "origin"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_URL_LENGTH = 2000
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")
_QUERY = re.compile(r"([?#]).*$", re.DOTALL)
URL_HINT = "give the registry's API URL, e.g. https://registry.example.org/api/"


@dataclass(frozen=True)
class Remote:
    name: str
    url: str  # the API base, `https://host/api/`
    token_file: Path
    data_store: str | None = None

    def to_json(self) -> RemoteOut:
        return {
            "name": self.name,
            "url": self.url,
            "token_file": str(self.token_file),
            "data_store": self.data_store,
        }


def remotes_file(locations: Locations) -> Path:
    return locations.config_dir / "remotes.yaml"


def load_remotes(locations: Locations) -> dict[str, Remote]:
    path = remotes_file(locations)
    if not path.exists():
        return {}
    text = read_capped(path, "remotes file", CONFIG_CAP)
    raw = load_bounded_yaml(text, path, f"fix or remove {path}") or {}
    entries = raw.get("remotes", {}) if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise FdpError(f"{path}: `remotes` must be a mapping of names", hint=f"fix {path}")
    return {name: _remote_from(path, str(name), entry) for name, entry in entries.items()}


def get_remote(locations: Locations, name: str | None = None) -> Remote:
    """The remote called `name` (default `origin`), or an error saying how to add it."""
    wanted = name or DEFAULT_REMOTE
    remote = load_remotes(locations).get(wanted)
    if remote is None:
        raise NotFound(
            f"no remote called {wanted!r} is configured",
            hint="add one with `fdpctl remote add NAME URL --token-file FILE`",
            code=ErrorCode.NO_REMOTE,
        )
    return remote


def add_remote(locations: Locations, remote: Remote) -> Remote:
    check_name(remote.name)
    checked = Remote(
        remote.name, normalise_url(remote.url), remote.token_file.absolute(), remote.data_store
    )
    read_remote_token(checked)
    remotes = load_remotes(locations)
    if remote.name in remotes:
        raise FdpError(
            f"a remote called {remote.name!r} exists already ({remotes[remote.name].url})",
            hint=f"remove it first with `fdpctl remote remove {remote.name}`",
            code=ErrorCode.REMOTE_EXISTS,
        )
    remotes[remote.name] = checked
    _save(locations, remotes)
    return checked


def remove_remote(locations: Locations, name: str) -> Remote:
    remotes = load_remotes(locations)
    removed = remotes.pop(name, None)
    if removed is None:
        raise NotFound(f"no remote called {name!r}", hint="`fdpctl remote list` shows them")
    _save(locations, remotes)
    return removed


def read_remote_token(remote: Remote) -> str:
    """The remote's token, from a regular file of at most TOKEN_CAP bytes that only its owner
    may read (the mode is checked before anything is read). Errors never contain the token."""
    return read_private_token(
        remote.token_file,
        f"the token file of remote {remote.name} ({remote.token_file})",
        f"token file of remote {remote.name}",
    )


async def load_remote_token(remote: Remote) -> str:
    """`read_remote_token` off the event loop, with a timeout."""
    what = f"token file of remote {remote.name}"
    return await off_loop(lambda: read_remote_token(remote), remote.token_file, what)


@asynccontextmanager
async def open_remote_client(
    remote: Remote, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[RegistryClient]:
    """A keep-alive client for the remote's registry, authenticated with its token (over
    `transport`: `Services.remote_transport`). A URL in remotes.yaml that is not usable is a
    clear error here, where the remote is used."""
    try:
        url = normalise_url(remote.url)
    except FdpError as error:
        raise FdpError(
            f"remote {remote.name} in remotes.yaml has an unusable URL: {error.message}",
            hint=f"fix it: `fdpctl remote remove {remote.name}`, then `fdpctl remote add`",
            code=ErrorCode.BAD_REMOTE_URL,
        ) from None
    from fdpd.remote.client import RegistryClient

    token = await load_remote_token(remote)
    async with RegistryClient(url, token, name=remote.name, transport=transport) as client:
        yield client


def normalise_url(url: str) -> str:
    """`https://host/api/` form; a URL without the `/api/` path gets it appended. Refused (400
    `bad_remote_url`, saying why) unless it is http(s) with a host, a valid port, no user name
    or password, no query or fragment."""
    text = url.strip()
    problem = _url_problem(text)
    if problem:
        shown = _without_secrets(text)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise FdpError(
            f"{shown!r} is not a usable registry URL: {problem}",
            hint=URL_HINT,
            code=ErrorCode.BAD_REMOTE_URL,
        )
    text = text.rstrip("/")
    return text + "/" if text.endswith("/api") else text + "/api/"


def _without_secrets(text: str) -> str:
    """The URL as an error may show it: a user name or password, query and fragment masked."""
    text = _USERINFO.sub(r"\1***@", text, count=1)
    return _QUERY.sub(lambda found: found.group(1) + "***", text, count=1)


def _url_problem(text: str) -> str | None:
    if len(text) > MAX_URL_LENGTH:
        return f"it is longer than {MAX_URL_LENGTH} characters"
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return "it holds spaces or control characters"
    try:
        parts = urlsplit(text)
        port = parts.port
        import httpx  # see the imports at the top

        httpx.URL(text)
    except ValueError as error:  # httpx.InvalidURL is a ValueError too
        return str(error) or "it cannot be parsed"
    if parts.scheme.lower() not in ("http", "https"):
        return f"the scheme must be http or https, not {parts.scheme or 'none'!r}"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "port 0 is not a port a registry can listen on"
    if parts.username is not None or parts.password is not None:
        return "it holds a user name or password (the token belongs in --token-file)"
    if parts.query or parts.fragment:
        return "it has a query or fragment"
    return None


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise FdpError(
            f"{name!r} is not a valid remote name",
            hint="use letters, digits, '.', '_' and '-', starting with a letter or digit",
            code=ErrorCode.BAD_REMOTE_NAME,
        )


def _remote_from(path: Path, name: str, entry: object) -> Remote:
    if not isinstance(entry, dict) or "url" not in entry or "token_file" not in entry:
        raise FdpError(f"{path}: remote {name!r} needs `url` and `token_file`", hint=f"fix {path}")
    store = entry.get("data_store")
    url = str(entry["url"])
    # An unusable URL is kept as written: using this remote says what is wrong, removing it works.
    with contextlib.suppress(FdpError):
        url = normalise_url(url)
    return Remote(name, url, Path(str(entry["token_file"])), store)


def _save(locations: Locations, remotes: dict[str, Remote]) -> None:
    body = {
        "remotes": {
            name: {k: v for k, v in r.to_json().items() if k != "name" and v is not None}
            for name, r in sorted(remotes.items())
        }
    }
    text = "# fdp remotes; tokens stay in their own files\n" + yaml.safe_dump(
        body, sort_keys=False, default_flow_style=False
    )
    locations.config_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write_bytes(remotes_file(locations), text.encode("utf-8"), mode=0o600)
