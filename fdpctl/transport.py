"""Talking to fdpd: HTTP/1.1 over its Unix socket (or TCP with the daemon token), stdlib only.

Start-up cost matters more than features here, hence `fdpctl.http11` instead of `http.client`.
"""

from __future__ import annotations

import _socket  # `socket` without its Python layer: that makes enums of every constant at import
import os
import sys

from fdpctl.errors import DaemonUnreachable, OperationFailed
from fdpctl.http11 import Response, send_request
from fdpctl.json_answer import parse_json
from fdpctl.json_body import encode_body
from fdpd import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator, Mapping
    from typing import Any, Protocol

    from fdpd.base.paths import Locations
    from fdpd.base.wire import Event, Followed, FollowEnd

    class Events(Protocol):
        """An operation's events as they arrive: an `EventStream`, or one wrapped."""

        @property
        def operation(self) -> int | None: ...

        def __iter__(self) -> Iterator[Event]: ...

        def on_idle(self, callback: Callable[[], None], every: float) -> None: ...

        def close(self) -> None: ...


DAEMON_URL_VARIABLE = "FDP_DAEMON_URL"
REQUEST_TIMEOUT = 30.0


class Reply:
    """A finished answer from fdpd: status, headers and the decoded JSON body."""

    def __init__(self, status: int, headers: Mapping[str, str], data: Any) -> None:
        self.status = status
        self.headers = headers
        self.data = data


class DaemonClient:
    """One fdpd endpoint: the Unix socket at `socket_path`, or `FDP_DAEMON_URL` with the token."""

    def __init__(self, socket_path: str, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.socket_path = socket_path
        self.url = env.get(DAEMON_URL_VARIABLE) or None
        self._environ = env
        self._locations: Locations | None = None
        self._version_checked = False

    @property
    def locations(self) -> Locations:
        """fdp's folders (to start fdpd, to read the daemon token): resolved when first asked
        for, since every command needs the socket but few need more (`pathlib` costs start-up)."""
        if self._locations is None:
            from fdpd.base.paths import resolve_locations

            self._locations = resolve_locations(self._environ)
        return self._locations

    @property
    def over_tcp(self) -> bool:
        return self.url is not None

    @property
    def where(self) -> str:
        return self.url or self.socket_path

    def request(self, method: str, path: str, body: Any = None) -> Reply:
        """Send one request; return the reply, or raise OperationFailed with fdpd's error."""
        response = self._send(method, path, body, REQUEST_TIMEOUT)
        try:
            raw = response.read()
        finally:
            response.close()
        data = parse_json(raw) if raw else None
        if response.status >= 400:
            raise _error_from(response.status, data)
        return Reply(response.status, response.headers, data)

    def stream(self, method: str, path: str, body: Any = None) -> EventStream:
        """Send one request whose answer is NDJSON (now); iterate over its events as they arrive."""
        response = self._send(method, path, body, None)
        if response.status >= 400:
            try:
                raw = response.read()
            finally:
                response.close()
            raise _error_from(response.status, parse_json(raw) if raw else None)
        return EventStream(response)

    def _send(self, method: str, path: str, body: Any, timeout: float | None) -> Response:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = encode_body(body)
            headers["Content-Type"] = "application/json"
        if self.over_tcp:
            headers["Authorization"] = f"Bearer {self._token()}"
        sock = self._connect(timeout)
        try:
            response = send_request(sock, method, path, headers, payload)
        except OSError as exc:
            sock.close()
            raise self._unreachable(exc) from None
        self._check_version(response.header("Fdp-Version"))
        return response

    def _connect(self, timeout: float | None) -> _socket.socket:
        if self.url is None:
            family: int = _socket.AF_UNIX
            address: Any = self.socket_path
        else:
            from urllib.parse import urlsplit  # only for TCP: keeps the socket path fast

            parts = urlsplit(self.url)
            if parts.scheme != "http" or not parts.hostname:
                raise DaemonUnreachable(
                    f"{DAEMON_URL_VARIABLE}={self.url} is not an http://HOST:PORT address",
                    hint=f"e.g. {DAEMON_URL_VARIABLE}=http://127.0.0.1:8765",
                )
            family, address = _tcp_address(parts.hostname, parts.port or 80)
        sock = _socket.socket(family, _socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            raise self._unreachable(exc) from None
        return sock

    def _unreachable(self, exc: OSError) -> DaemonUnreachable:
        if isinstance(exc, FileNotFoundError | ConnectionRefusedError | ConnectionResetError):
            return DaemonUnreachable(f"fdpd is not answering at {self.where}: {exc}")
        return DaemonUnreachable(f"cannot talk to fdpd at {self.where}: {exc}")

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


class EventStream:
    """The NDJSON events of one answer, as they arrive; `operation` is the id of the operation
    that sends them (fdpd's `Fdp-Operation` header), when the answer starts one."""

    def __init__(self, response: Response) -> None:
        operation = response.header("Fdp-Operation")
        self.operation = int(operation) if operation and operation.isdigit() else None
        self._response = response
        self._events = _events(response)

    def on_idle(self, callback: Callable[[], None], every: float) -> None:
        """Call `callback` every `every` seconds while no event arrives."""
        self._response.reader.idle_tick = every
        self._response.reader.on_idle = callback

    def __iter__(self) -> Iterator[Event]:
        """An operation's events."""
        return self._events

    def followed(self) -> Iterator[Followed | FollowEnd]:
        """The lines of `GET /v1/operations/follow`: any operation's events, then its end."""
        return self._events

    def close(self) -> None:
        self._events.close()


def _events(response: Response) -> Generator[Any, None, None]:
    try:
        while line := response.readline():
            if line.strip():
                yield _event(line)
    finally:
        response.close()


def _event(line: bytes) -> Any:
    """One line of an event stream: a JSON object with its `type` (`fdpd.base.wire`'s `Event`,
    `Followed`, `FollowEnd`)."""
    try:
        event: Any = parse_json(line)
    except ValueError:
        event = None
    if not _has_type(event):
        raise OperationFailed(
            "fdpd sent a line that is not an operation event",
            hint="fdpd and fdpctl may be of different versions; `fdpctl log` shows what fdpd did",
        )
    return event


def _has_type(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("type"), str)


def _tcp_address(host: str, port: int) -> tuple[int, tuple[str, int]]:
    family, _, _, _, address = _socket.getaddrinfo(host, port, type=_socket.SOCK_STREAM)[0]
    return int(family), (str(address[0]), int(address[1]))


def _error_from(status: int, data: Any) -> OperationFailed:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return OperationFailed(f"fdpd answered HTTP {status}")
    return OperationFailed(
        str(error.get("message") or f"fdpd answered HTTP {status}"),
        hint=str(error.get("hint") or ""),
        code=str(error.get("code") or ""),
    )
