"""Which remote a pull talks to (docs/config.md): the config's `remote_data_registry_url`,
which must be a configured remote, else `--remote NAME`, else `origin` (if configured)."""

from __future__ import annotations

from fdpd.error_codes import ErrorCode
from fdpd.errors import FdpError
from fdpd.paths import Locations
from fdpd.remotes import DEFAULT_REMOTE, Remote, get_remote, load_remotes, normalise_url

ADD_REMOTE_HINT = "add one with `fdpctl remote add NAME URL --token-file FILE`"


def choose_remote(
    locations: Locations, config_url: str | None, requested: str | None, local_url: str
) -> Remote | None:
    """The remote to pull from; None when none is configured (or the config names the local
    registry itself), which is fine for a config with only `register:` items."""
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
        configured = ", ".join(f"{r.name} = {r.url}" for r in remotes.values()) or "none"
        raise FdpError(
            f"remote_data_registry_url {config_url} is not a configured remote "
            f"(configured: {configured})",
            hint=f"{ADD_REMOTE_HINT}, or remove the key to use the default remote",
            code=ErrorCode.UNKNOWN_REMOTE,
        )
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
