"""Raw requests with a body to fdpd, over its Unix socket or TCP (FdpInstance.request has none)."""

from __future__ import annotations

import http.client
from collections.abc import Mapping

from tests.fdp_process import FdpInstance, HttpAnswer, UnixConnection


def send(
    fdp: FdpInstance,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    tcp: tuple[str, int] | None = None,
    timeout: float = 60,
) -> HttpAnswer:
    connection: http.client.HTTPConnection
    if tcp is None:
        connection = UnixConnection(fdp.locations.socket_path, timeout)
    else:
        connection = http.client.HTTPConnection(*tcp, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return HttpAnswer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()
