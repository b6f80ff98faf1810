"""Just enough HTTP/1.1 to talk to fdpd: one request per connection, chunked or sized bodies.

`http.client` drags in `email` and `ssl` (about a third of fdpctl's start-up time); fdpd only ever
answers plain HTTP/1.1 on a local socket, so this small reader is all fdpctl needs.
"""

from __future__ import annotations

import socket

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import BinaryIO

MAX_HEADER_LINE = 65536


class ProtocolError(OSError):
    """fdpd's answer was not the HTTP/1.1 this client understands."""


class Response:
    """Status, headers (lower-case names) and a body read as it arrives."""

    def __init__(self, sock: socket.socket, stream: BinaryIO) -> None:
        self._sock = sock
        self._stream = stream
        self.status, self.headers = _read_head(stream)
        self._chunks = self._body_chunks()
        self._buffer = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def read(self) -> bytes:
        """The whole (remaining) body."""
        rest = self._buffer + b"".join(self._chunks)
        self._buffer = b""
        return rest

    def readline(self) -> bytes:
        """The next line of the body including its newline; b"" at the end."""
        while b"\n" not in self._buffer:
            chunk = next(self._chunks, b"")
            if not chunk:
                line, self._buffer = self._buffer, b""
                return line
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line + b"\n"

    def close(self) -> None:
        self._stream.close()
        self._sock.close()

    def _body_chunks(self) -> Iterator[bytes]:
        if self.header("transfer-encoding") == "chunked":
            yield from _chunked(self._stream)
            return
        length = self.header("content-length")
        if length is not None:
            data = self._stream.read(int(length))
            if len(data) != int(length):
                raise ProtocolError("fdpd closed the connection before the answer was complete")
            yield data
            return
        yield self._stream.read()


def send_request(
    sock: socket.socket,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
) -> Response:
    """Send one request on a connected socket and read the answer's head."""
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body or b'')}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
    return Response(sock, sock.makefile("rb"))


def _read_head(stream: BinaryIO) -> tuple[int, dict[str, str]]:
    status_line = stream.readline(MAX_HEADER_LINE)
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"unexpected answer from fdpd: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    while True:
        line = stream.readline(MAX_HEADER_LINE)
        if line in (b"\r\n", b"\n", b""):
            return int(parts[1]), headers
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()


def _chunked(stream: BinaryIO) -> Iterator[bytes]:
    while True:
        size_line = stream.readline(MAX_HEADER_LINE)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ProtocolError("fdpd sent a malformed chunk") from None
        if size == 0:
            stream.readline(MAX_HEADER_LINE)  # the blank line after the last chunk
            return
        data = stream.read(size)
        stream.read(2)  # CRLF after each chunk
        if len(data) != size:
            raise ProtocolError("fdpd closed the connection in the middle of an answer")
        yield data
