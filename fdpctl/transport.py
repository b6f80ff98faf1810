"""Talking to fdpd: HTTP/1.1 over its Unix socket (or TCP with the daemon token), stdlib only.

Start-up cost matters more than features here: `http.client` is the heaviest import fdpctl makes.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sys
from urllib.parse import urlsplit

from fdpctl.errors import DaemonUnreachable, OperationFailed
from fdpd import __version__
from fdpd.paths import Locations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

DAEMON_URL_VARIABLE = "FDP_DAEMON_URL"
REQUEST_TIMEOUT = 30.0


class UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTPConnection whose transport is a Unix socket (the Host header stays "localhost")."""

    def __init__(self, socket_path: str, timeout: float | None = REQUEST_TIMEOUT) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class Reply:
    """A finished answer from fdpd: status, headers and the decoded JSON body."""

    def __init__(self, status: int, headers: Mapping[str, str], data: Any) -> None:
        self.status = status
        self.headers = headers
        self.data = data


class DaemonClient:
    """One fdpd endpoint: the Unix socket of `locations`, or `FDP_DAEMON_URL` with the token."""

    def __init__(self, locations: Locations, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.locations = locations
        self.url = env.get(DAEMON_URL_VARIABLE) or None
        self._version_checked = False

    @property
    def over_tcp(self) -> bool:
        return self.url is not None

    @property
    def where(self) -> str:
        return self.url or str(self.locations.socket_path)

    def request(self, method: str, path: str, body: Any = None) -> Reply:
        """Send one request; return the reply, or raise OperationFailed with fdpd's error."""
        connection, response = self._send(method, path, body, REQUEST_TIMEOUT)
        try:
            raw = response.read()
        finally:
            connection.close()
        data = json.loads(raw) if raw else None
        if response.status >= 400:
            raise _error_from(response.status, data)
        return Reply(response.status, dict(response.getheaders()), data)

    def stream(self, method: str, path: str, body: Any = None) -> Iterator[dict[str, Any]]:
        """Send one request whose answer is NDJSON (now); iterate over its events as they arrive."""
        connection, response = self._send(method, path, body, None)
        if response.status >= 400:
            try:
                raw = response.read()
            finally:
                connection.close()
            raise _error_from(response.status, json.loads(raw) if raw else None)
        return _events(connection, response)

    def _send(
        self, method: str, path: str, body: Any, timeout: float | None
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        connection = self._connection(timeout)
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.over_tcp:
            headers["Authorization"] = f"Bearer {self._token()}"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
        except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError) as exc:
            connection.close()
            raise DaemonUnreachable(f"fdpd is not answering at {self.where}: {exc}") from None
        except OSError as exc:
            connection.close()
            raise DaemonUnreachable(f"cannot talk to fdpd at {self.where}: {exc}") from None
        self._check_version(response.getheader("Fdp-Version"))
        return connection, response

    def _connection(self, timeout: float | None) -> http.client.HTTPConnection:
        if self.url is None:
            return UnixHTTPConnection(str(self.locations.socket_path), timeout=timeout)
        parts = urlsplit(self.url)
        if parts.scheme != "http" or not parts.hostname:
            raise DaemonUnreachable(
                f"{DAEMON_URL_VARIABLE}={self.url} is not an http://HOST:PORT address",
                hint=f"e.g. {DAEMON_URL_VARIABLE}=http://127.0.0.1:8765",
            )
        return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)

    def _token(self) -> str:
        path = self.locations.daemon_token_path
        try:
            return path.read_text(encoding="ascii").strip()
        except OSError as exc:
            raise DaemonUnreachable(
                f"cannot read the daemon token {path}: {exc.strerror}",
                hint="fdpd creates it when started with --tcp; copy it here (mode 0600)",
            ) from None

    def _check_version(self, daemon_version: str | None) -> None:
        if self._version_checked or daemon_version is None:
            return
        self._version_checked = True
        if daemon_version != __version__:
            print(
                f"fdpctl: warning: fdpctl is {__version__} but fdpd is {daemon_version}; "
                "restart fdpd (`fdpctl daemon stop`, then any command) to match",
                file=sys.stderr,
            )


def _events(
    connection: http.client.HTTPConnection, response: http.client.HTTPResponse
) -> Iterator[dict[str, Any]]:
    try:
        while line := response.readline():
            if line.strip():
                yield json.loads(line)
    finally:
        connection.close()


def _error_from(status: int, data: Any) -> OperationFailed:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return OperationFailed(f"fdpd answered HTTP {status}")
    return OperationFailed(
        str(error.get("message") or f"fdpd answered HTTP {status}"),
        hint=str(error.get("hint") or ""),
        code=str(error.get("code") or ""),
    )
