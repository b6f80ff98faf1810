"""A local registry fdpd does not run (`registry: url:` in fdpd's config): typically a group's
registry in shared mode (`fdpd registry serve --shared`) on a service node, one token per Unix
user, used as the local registry of each user's fdpd.

fdpd never starts or stops it. A hold only checks that it answers and accepts the user's token
(`registry: token_file:`, a 0600 file), and says what is wrong, where, and what to do when not.
The token is the user's own, not an admin's: fdp's own routes (`/fdp/...`) are not used, and
namespace ownership is the shared registry's (docs/registry-api.md).
"""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, Unavailable
from fdpd.base.paths import Locations
from fdpd.base.settings import RegistrySettings
from fdpd.base.tls import default_ssl_context
from fdpd.base.tokens import read_private_token
from fdpd.base.wire import RegistryState
from fdpd.local_registry.access import LocalRegistry, holding
from fdpd.remote.client import RegistryClient

CHECK_TIMEOUT = 10.0


class ExternalRegistry:
    """The local-registry service (`LocalRegistryService`) for a registry at `registry: url:`."""

    def __init__(self, locations: Locations, settings: RegistrySettings) -> None:
        assert settings.external_url is not None and settings.token_file is not None
        self._locations = locations
        self._settings = settings
        self._token_file = settings.token_file
        self._holders: Counter[str] = Counter()

    @property
    def url(self) -> str:
        return self._settings.url

    @property
    def token(self) -> str:
        """The user's token for that registry, from `registry: token_file:` (never created)."""
        return read_token_file(self._token_file, self._locations.config_file)

    @property
    def token_path(self) -> Path:
        return self._token_file

    @property
    def database_url(self) -> str:
        return ""  # the registry's own business: fdpd never opens its database

    @property
    def manages_database(self) -> bool:
        return False

    def client(self, token: str | None) -> RegistryClient:
        return RegistryClient.local(self.url, token)

    def requests(self) -> LocalRegistry:
        return LocalRegistry(self.url)

    def held(self, holder: str) -> AbstractAsyncContextManager[None]:
        return holding(self, holder)

    async def acquire(self, holder: str) -> None:
        """Check that the registry answers and accepts the token; nothing is started."""
        await self.check()
        self._holders[holder] += 1

    async def release(self, holder: str) -> None:
        if self._holders[holder] > 0:
            self._holders[holder] -= 1
        if self._holders[holder] <= 0:
            del self._holders[holder]

    async def stop(self) -> None:
        """Nothing to stop: the registry is not fdpd's."""
        self._holders.clear()

    def status(self) -> RegistryState:
        return {
            "state": "external",
            "url": self.url,
            "pid": None,
            "adopted": False,
            "holders": sorted(self._holders.elements()),
            "uptime": None,
            "restarts": 0,
            "idle_timeout": 0.0,
        }

    def require_own_registry(self, verb: str, needs: str) -> None:
        raise FdpError(
            f"{verb} needs fdp's own registry: the local registry is the one at {self.url} "
            f"(`registry: url:` in {self._locations.config_file}), which fdpd does not run, and "
            f"{verb} {needs}; nothing was changed",
            hint=f"ask that registry's administrator, or remove `registry: url:` from "
            f"{self._locations.config_file} and restart fdpd to use {verb} with fdp's registry",
            code=ErrorCode.NEEDS_FDP_REGISTRY,
        )

    def write_file_roots(self) -> None:
        """fdp's registry's downloads of data store files: not for a registry fdpd does not run."""

    async def check(self) -> str:
        """The registry user the token belongs to; an error saying what is wrong otherwise."""
        token = self.token
        where = f"`registry: url:` in {self._locations.config_file}"
        headers = {"Authorization": f"token {token}", "Accept": "application/json"}
        try:
            async with httpx.AsyncClient(
                timeout=CHECK_TIMEOUT, verify=default_ssl_context()
            ) as client:
                answer = await client.get(f"{self.url}username/", headers=headers)
        except httpx.HTTPError as error:
            raise Unavailable(
                f"the local registry at {self.url} ({where}) does not answer: "
                f"{type(error).__name__}",
                hint="fdpd does not run that registry: check that it is running and reachable "
                "from this machine (ask its administrator), or fix the URL",
                code=ErrorCode.REGISTRY_DOWN,
            ) from None
        if answer.status_code in (401, 403):
            raise FdpError(
                f"the local registry at {self.url} ({where}) does not accept the token in "
                f"{self._token_file} (HTTP {answer.status_code})",
                hint="ask that registry's administrator for your token (`fdpd registry add-user "
                f"YOU`) and put it alone in {self._token_file} (chmod 600)",
                code=ErrorCode.TOKEN_REFUSED,
            )
        body = _json(answer)
        username = body.get("username") if isinstance(body, dict) else None
        if answer.status_code != 200 or not isinstance(username, str):
            raise Unavailable(
                f"the local registry at {self.url} ({where}) answered GET username/ with HTTP "
                f"{answer.status_code}, not as a FAIR data registry does",
                hint="check the URL: it must be the registry's API (ending in /api/)",
                code=ErrorCode.REGISTRY_DOWN,
            )
        return username


def read_token_file(path: Path, config_file: Path) -> str:
    """The one token in `path`, a regular file only its owner may read (mode checked first)."""

    if not path.exists():
        raise FdpError(
            f"the registry token file {path} (`registry: token_file:` in {config_file}) does "
            "not exist",
            hint="ask the registry's administrator for your token (`fdpd registry add-user YOU`) "
            f"and put it alone in {path} (chmod 600)",
            code=ErrorCode.TOKEN_MISSING,
        )
    return read_private_token(
        path,
        f"the registry token file {path} (`registry: token_file:` in {config_file})",
        "registry token file",
    )


def _json(answer: httpx.Response) -> object:
    try:
        return answer.json()
    except ValueError:
        return None
