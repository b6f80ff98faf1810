"""Just enough HTTP/1.1 to talk to fdpd: one request per connection, chunked or sized bodies.

`http.client` drags in `email` and `ssl` (about a third of fdpctl's start-up time); fdpd only ever
answers plain HTTP/1.1 on a local socket, so this small reader is all fdpctl needs.

The reader keeps its own buffer and waits for bytes with `select`, so a caller can be told, every
`idle_tick` seconds, that nothing arrived (`on_idle`) and the read goes on unharmed; a socket
timeout would leave a `makefile` reader's buffer in an undefined state.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _socket
    from collections.abc import Callable, Iterator, Mapping

MAX_HEADER_LINE = 65536
RECEIVE_SIZE = 65536


class ProtocolError(OSError):
    """fdpd's answer was not the HTTP/1.1 this client understands."""


class SocketReader:
    """Buffered reads from a socket; while waiting, `on_idle()` every `idle_tick` seconds."""

    def __init__(self, sock: _socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._ended = False
        self.idle_tick = 1.0
        self.on_idle: Callable[[], None] | None = None

    def readline(self, limit: int = MAX_HEADER_LINE) -> bytes:
        """Up to and including the next newline (at most `limit` bytes); what is left at the end."""
        while (end := self._buffer.find(b"\n", 0, limit)) < 0:
            if len(self._buffer) >= limit or not self._receive():
                return self._take(min(limit, len(self._buffer)))
        return self._take(end + 1)

    def read(self, size: int) -> bytes:
        """`size` bytes, fewer only at the end of the stream."""
        while len(self._buffer) < size and self._receive():
            pass
        return self._take(min(size, len(self._buffer)))

    def read_to_end(self) -> bytes:
        while self._receive():
            pass
        return self._take(len(self._buffer))

    def _take(self, count: int) -> bytes:
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _receive(self) -> bool:
        """Append what the socket has next; False at the end of the stream."""
        if self._ended:
            return False
        if self.on_idle is not None:
            import select  # a shared library to load: only for streams shown as they come

            while not select.select([self._sock], [], [], self.idle_tick)[0]:
                self.on_idle()
        data = self._sock.recv(RECEIVE_SIZE)
        self._ended = not data
        self._buffer += data
        return bool(data)


class Response:
    """Status, headers (lower-case names) and a body read as it arrives."""

    def __init__(self, sock: _socket.socket) -> None:
        self._sock = sock
        self.reader = SocketReader(sock)
        self.status, self.headers = _read_head(self.reader)
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
        self._sock.close()

    def _body_chunks(self) -> Iterator[bytes]:
        if self.header("transfer-encoding") == "chunked":
            yield from _chunked(self.reader)
            return
        length = self.header("content-length")
        if length is not None:
            data = self.reader.read(int(length))
            if len(data) != int(length):
                raise ProtocolError("fdpd closed the connection before the answer was complete")
            yield data
            return
        yield self.reader.read_to_end()


def send_request(
    sock: _socket.socket,
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
    return Response(sock)


def _read_head(reader: SocketReader) -> tuple[int, dict[str, str]]:
    status_line = reader.readline()
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"unexpected answer from fdpd: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    while True:
        line = reader.readline()
        if line in (b"\r\n", b"\n", b""):
            return int(parts[1]), headers
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()


def _chunked(reader: SocketReader) -> Iterator[bytes]:
    while True:
        size_line = reader.readline()
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ProtocolError("fdpd sent a malformed chunk") from None
        if size == 0:
            reader.readline()  # the blank line after the last chunk
            return
        data = reader.read(size)
        reader.read(2)  # CRLF after each chunk
        if len(data) != size:
            raise ProtocolError("fdpd closed the connection in the middle of an answer")
        yield data
