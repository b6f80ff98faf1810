"""The registry keeps an idle connection open longer than its clients do.

httpx drops a pooled connection after 5 s idle, uvicorn's default closed it after 5 s too: a
push could send a POST on a connection at the instant the server closed it, and a POST cannot
be sent again safely (the shared registry's load test lost 3 pushes in 21,000 requests that
way). A connection idle for longer than the client's limit must still answer.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.registry.running_registry import running_registry

CLIENT_IDLE_LIMIT_SECONDS = 5.0  # httpx.Limits().keepalive_expiry


def _get(conn: socket.socket, host: str) -> bytes:
    request = f"GET /fdp/identity HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    conn.sendall(request)
    return _read_response(conn)


def _read_response(conn: socket.socket) -> bytes:
    """One whole response (head and Content-Length body): one recv may hold only part of it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_idle_connection_outlives_the_clients_idle_limit(tmp_path: Path) -> None:
    with running_registry(tmp_path) as registry:
        parts = urlsplit(registry.base_url)
        assert parts.hostname is not None and parts.port is not None
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
            assert _get(conn, parts.netloc).startswith(b"HTTP/1.1 200")
            time.sleep(CLIENT_IDLE_LIMIT_SECONDS + 1.5)
            assert _get(conn, parts.netloc).startswith(b"HTTP/1.1 200")
