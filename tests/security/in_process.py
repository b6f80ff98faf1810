"""Raw requests to the daemon app in process (tests/inprocess.py), for refusals that are the
app's, not a listener's: the same answer as `tests/security/raw_http.send` reads off a socket."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from tests.inprocess import DAEMON_BASE, InProcessDaemon


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send_in_process(
    daemon: InProcessDaemon,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One request with these exact bytes as its body to the daemon app."""

    async def send() -> Answer:
        transport = httpx.ASGITransport(app=daemon.app)
        async with httpx.AsyncClient(transport=transport, base_url=DAEMON_BASE) as client:
            answer = await client.request(method, path, headers=dict(headers or {}), content=body)
            return Answer(answer.status_code, dict(answer.headers), await answer.aread())

    result: Answer = daemon.run(send())
    return result
