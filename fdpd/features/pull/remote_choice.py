"""Which remote a pull talks to (docs/config.md): the config's `remote_data_registry_url` when it
is a configured remote, else `--remote NAME`, else `origin` (if configured). A URL that is none
of the remotes is run as FAIR-CLI 0.11.0 ran it, on the default remote, with a warning."""

from __future__ import annotations

from collections.abc import Callable

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.paths import Locations
from fdpd.remote.user_remotes import DEFAULT_REMOTE, Remote, get_remote, load_remotes, normalise_url
from fdpd.userconfig.remote_url import unknown_remote_note

ADD_REMOTE_HINT = "add one with `fdpctl remote add NAME URL --token-file FILE`"


def choose_remote(
    locations: Locations,
    config_url: str | None,
    requested: str | None,
    local_url: str,
    warn: Callable[[str], None] = lambda _: None,
    at: str = "",
) -> Remote | None:
    """The remote to pull from; None when none is configured (or the config names the local
    registry itself), which is fine for a config with only `register:` items. `at` is where
    the config gives its URL (`FILE:LINE:COLUMN: KEY:`), for the warning."""
    if config_url is None:
        if requested is not None:
            return get_remote(locations, requested)
        return load_remotes(locations).get(DEFAULT_REMOTE)
    if _same(config_url, local_url):
        return None
    remotes = load_remotes(locations)
    wanted = normalise_url(config_url)
    remote = next((r for r in remotes.values() if r.url == wanted), None)
    if remote is None:
        fallback = get_remote(locations, requested) if requested else remotes.get(DEFAULT_REMOTE)
        note = unknown_remote_note(config_url, fallback.name if fallback else None)
        warn(f"{at} {note}" if at else note)
        return fallback
    if requested is not None and requested != remote.name:
        raise FdpError(
            f"the config's remote_data_registry_url is remote {remote.name}, but --remote "
            f"asks for {requested}",
            hint="give only one of them",
            code=ErrorCode.REMOTE_MISMATCH,
        )
    return remote


def _same(url: str, other: str) -> bool:
    return url.rstrip("/") == other.rstrip("/")
