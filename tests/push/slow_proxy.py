"""FAULT INJECTION (a fake network, not a fake of our components): a loopback TCP relay that
delays everything a client sends by a fixed time, like a slow link to a remote registry, and can
hold the answers to one kind of request until the test releases them (`hold_answers`).

Real registries on loopback answer in milliseconds, so a push is over before a test can kill
fdpd or stop the remote in the middle of it. Behind this relay the same push takes seconds.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from tests.conftest import free_port

CHUNK = 65536
METHODS = {b"GET", b"HEAD", b"POST", b"PUT", b"PATCH", b"DELETE", b"OPTIONS"}


class SlowProxy:
    """`with SlowProxy(target_port, delay) as proxy:` relays 127.0.0.1:proxy.port → target."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port = target_port
        self.delay = delay
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._held: tuple[bytes, threading.Event] | None = None

    def hold_answers(self, request_line: bytes) -> threading.Event:
        """Hold back every answer to a request whose request line starts with `request_line`
        (e.g. `b"POST /fdp/bulk/push "`) until the returned event is set: the server has
        done the work, the client has not heard so."""
        released = threading.Event()
        self._held = (request_line, released)
        return released

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SlowProxy:
        self._thread.start()
        start = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        start.result(timeout=5)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks(self._loop) if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _relay(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        try:
            server_in, server_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_out.close()
            return
        asked: list[bytes] = [b""]  # the last request line this connection sent (no pipelining)
        try:
            await asyncio.gather(
                self._pipe(client_in, server_out, self.delay, asked),
                self._answer_pipe(server_in, client_out, asked),
                return_exceptions=True,
            )
        finally:
            # A relay cancelled at shutdown may never have started its pipes, whose own
            # `finally` closes them: close both ends here so no socket outlives the loop.
            server_out.close()
            client_out.close()

    @staticmethod
    async def _pipe(
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        delay: float,
        asked: list[bytes] | None = None,
    ) -> None:
        try:
            while chunk := await source.read(CHUNK):
                if asked is not None and chunk.split(b" ", 1)[0] in METHODS:
                    asked[0] = chunk.split(b"\r\n", 1)[0]
                if delay:
                    await asyncio.sleep(delay)
                sink.write(chunk)
                await sink.drain()
        finally:
            sink.close()

    async def _answer_pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, asked: list[bytes]
    ) -> None:
        try:
            while chunk := await source.read(CHUNK):
                held = self._held
                while held is not None and asked[0].startswith(held[0]) and not held[1].is_set():
                    await asyncio.sleep(0.01)  # cancellable, unlike a thread blocked in wait()
                sink.write(chunk)
                await sink.drain()
        finally:
            sink.close()
