"""Remote registries: `fdpctl remote add NAME URL --token-file FILE [--data-store URL]`.

Remotes are kept in `remotes.yaml` in fdp's config dir (fdpd writes it atomically; a person may
read or edit it). A remote names the *file* holding its token, never the token: fdpd reads the file
when it talks to the remote and refuses one that other users can read. `origin` is the default.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fdpd.errors import FdpError, NotFound
from fdpd.paths import Locations
from fdpd.remote.client import RegistryClient
from fdpd.store import atomic_write_bytes

DEFAULT_REMOTE = "origin"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Remote:
    name: str
    url: str  # the API base, `https://host/api/`
    token_file: Path
    data_store: str | None = None

    def to_json(self) -> dict[str, Any]:
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
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    except yaml.YAMLError:
        raise FdpError(f"{path} is not valid YAML", hint=f"fix or remove {path}") from None
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
            code="no_remote",
        )
    return remote


def remote_for_url(locations: Locations, url: str) -> Remote | None:
    """The configured remote whose API URL is `url` (trailing slash ignored)."""
    wanted = normalise_url(url)
    return next((r for r in load_remotes(locations).values() if r.url == wanted), None)


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
            code="remote_exists",
            status=409,
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
    """The remote's token, from a file only its owner may read. Errors never contain it."""
    path = remote.token_file
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise FdpError(
            f"cannot read the token file of remote {remote.name} ({path}): {exc.strerror}",
            hint="check the path given to `fdpctl remote add --token-file`",
            code="token_file_unreadable",
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise FdpError(
            f"the token file of remote {remote.name} ({path}) can be read by other users",
            hint=f"make it private: chmod 600 {path}",
            code="token_file_not_private",
        )
    if not token or any(ch.isspace() for ch in token):
        raise FdpError(
            f"the token file of remote {remote.name} ({path}) does not hold one token",
            hint="put the registry's API token alone in the file",
            code="token_file_invalid",
        )
    return token


def open_remote_client(remote: Remote) -> RegistryClient:
    """A keep-alive client for the remote's registry, authenticated with its token."""
    return RegistryClient(remote.url, read_remote_token(remote), name=remote.name)


def normalise_url(url: str) -> str:
    """`https://host/api/` form; a URL without the `/api/` path gets it appended."""
    text = url.strip()
    if not re.match(r"https?://[^/\s]+", text):
        raise FdpError(
            f"{url!r} is not an http(s) URL",
            hint="give the registry's API URL, e.g. https://registry.example.org/api/",
            code="bad_remote_url",
        )
    text = text.rstrip("/")
    return text + "/" if text.endswith("/api") else text + "/api/"


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise FdpError(
            f"{name!r} is not a valid remote name",
            hint="use letters, digits, '.', '_' and '-', starting with a letter or digit",
            code="bad_remote_name",
        )


def _remote_from(path: Path, name: str, entry: object) -> Remote:
    if not isinstance(entry, dict) or "url" not in entry or "token_file" not in entry:
        raise FdpError(f"{path}: remote {name!r} needs `url` and `token_file`", hint=f"fix {path}")
    store = entry.get("data_store")
    return Remote(name, normalise_url(str(entry["url"])), Path(str(entry["token_file"])), store)


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
