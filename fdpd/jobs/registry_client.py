"""A small async client for the local registry's REST API, as the job code needs it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from fdpd.error_codes import ErrorCode
from fdpd.errors import Unavailable
from fdpd.remote.links import link_path
from fdpd.tls import default_ssl_context

ACCEPT = {"Accept": "application/json; version=1.0.0"}
TIMEOUT = 30.0


class LocalRegistry:
    """Requests to the local registry; anonymous unless a token is given per call."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, api_url: str) -> LocalRegistry:
        client = httpx.AsyncClient(base_url=api_url, timeout=TIMEOUT, verify=default_ssl_context())
        return cls(client)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def list(
        self, table: str, params: dict[str, str], token: str | None = None
    ) -> list[dict[str, Any]]:
        """The first page of `table/?params` (fdp asks for exact matches only)."""
        answer = await self._get(f"{table}/", params, token)
        results: list[dict[str, Any]] = answer.get("results", [])
        return results

    async def first(self, table: str, params: dict[str, str]) -> dict[str, Any] | None:
        found = await self.list(table, params)
        return found[0] if found else None

    async def record(self, url: str) -> dict[str, Any]:
        """The record a link points at (host ignored: always this registry)."""
        return await self._get(link_path(url).removeprefix("/api/"), None, None)

    async def create(self, table: str, body: dict[str, Any], token: str) -> None:
        """POST a record; an existing one (409) is fine too."""
        await self.post(table, body, token)

    async def post(self, table: str, body: dict[str, Any], token: str) -> dict[str, Any] | None:
        """POST a record: the new record, or None when it clashes with one (409)."""
        headers = {**ACCEPT, "Authorization": f"token {token}"}
        try:
            answer = await self.client.post(f"{table}/", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise _unreachable(self.client.base_url, exc) from None
        if answer.status_code == 409:
            return None
        if answer.status_code != 201:
            raise RegistryAnswer(answer.status_code, f"POST {table}/", answer.text[:300])
        record: dict[str, Any] = answer.json()
        return record

    async def remove(self, paths: Sequence[str], admin_token: str) -> bool:
        """Remove records through fdp's `POST /fdp/remove` (admin only, all or none); False if
        the registry refused because other records still use them (409)."""
        url = str(self.client.base_url).removesuffix("/").removesuffix("api") + "fdp/remove"
        headers = {"Accept": "application/json", "Authorization": f"token {admin_token}"}
        try:
            answer = await self.client.post(url, json={"records": list(paths)}, headers=headers)
        except httpx.HTTPError as exc:
            raise _unreachable(self.client.base_url, exc) from None
        if answer.status_code == 409:
            return False
        if answer.status_code != 200:
            raise RegistryAnswer(answer.status_code, "POST /fdp/remove", answer.text[:300])
        return True

    async def _get(
        self, path: str, params: dict[str, str] | None, token: str | None
    ) -> dict[str, Any]:
        headers = dict(ACCEPT)
        if token is not None:
            headers["Authorization"] = f"token {token}"
        try:
            answer = await self.client.get(path, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise _unreachable(self.client.base_url, exc) from None
        if answer.status_code != 200:
            raise RegistryAnswer(answer.status_code, f"GET {path}", answer.text[:300])
        body: dict[str, Any] = answer.json()
        return body


def _unreachable(base_url: httpx.URL, exc: httpx.HTTPError) -> Unavailable:
    return Unavailable(
        f"the local registry at {base_url} did not answer: {exc}",
        hint="see the registry log (logs/registry.log in fdpd's state folder)",
        code=ErrorCode.REGISTRY_DOWN,
    )


class RegistryAnswer(Unavailable):
    """The local registry answered a request with an unexpected status."""

    def __init__(self, status_code: int, request: str, detail: str) -> None:
        super().__init__(
            f"the local registry answered HTTP {status_code} to {request}: {detail}",
            hint="see the registry log (logs/registry.log in fdpd's state folder)",
            code=ErrorCode.REGISTRY_REFUSED,
        )
        self.status_code = status_code
