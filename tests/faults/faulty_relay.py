"""FAULT INJECTION (a fake network, not a fake of our components): a loopback TCP relay in front of
a real registry that can throttle what the registry sends back, answer 500 itself, or drop
connections, to produce faults a real registry on loopback never shows.

    with FaultyRelay(registry_port) as relay:
        relay.throttle(0.01)            # sleep 10 ms per 16 KiB sent back: ~1.6 MB/s
        relay.inject("500", count=2)    # the next two connections get `500` and are closed
        relay.inject("drop")            # every new connection is closed after its request
        relay.lose_answers()            # requests reach the registry, its answers are lost
        relay.heal()                    # relay everything again

Faults apply to new connections; `inject` also closes the connections open at that moment (a
client reconnects, so its next request meets the fault). Each faulted connection answers (or
drops) exactly one request, so `injected` counts the requests that met a fault.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Literal

from tests.push.slow_proxy import SlowProxy

Fault = Literal["500", "drop"]
DOWNSTREAM_CHUNK = 16384
ERROR_BODY = b'{"detail": "injected fault"}'
ERROR_ANSWER = (
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
    b"Content-Length: " + str(len(ERROR_BODY)).encode() + b"\r\nConnection: close\r\n\r\n"
) + ERROR_BODY


class FaultyRelay(SlowProxy):
    """Relays 127.0.0.1:relay.port → target_port, with the faults a test switches on."""

    def __init__(self, target_port: int) -> None:
        super().__init__(target_port, delay=0.0)
        self.chunk_delay = 0.0
        self.injected: Counter[str] = Counter()
        self.connections = 0
        self._fault: Fault | None = None
        self._faults_left = 0  # negative: until healed
        self._lock = threading.Lock()
        self._open: set[asyncio.StreamWriter] = set()
        self._losing = False

    def __enter__(self) -> FaultyRelay:
        super().__enter__()
        return self

    def throttle(self, chunk_delay: float) -> None:
        """Sleep `chunk_delay` seconds per 16 KiB sent back to the client (0: full speed)."""
        self.chunk_delay = chunk_delay

    def inject(self, fault: Fault, count: int = -1) -> None:
        with self._lock:
            self._fault, self._faults_left = fault, count
        self.drop_open_connections()

    def lose_answers(self) -> None:
        """From now on (open connections too) answers are cut off when they arrive: the
        registry did the work, the client never hears of it."""
        self._losing = True

    def heal(self) -> None:
        with self._lock:
            self._fault, self._faults_left = None, 0
        self._losing = False

    def drop_open_connections(self) -> None:
        async def close_all() -> None:
            for writer in list(self._open):
                writer.close()

        asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(timeout=5)

    def _take_fault(self) -> Fault | None:
        with self._lock:
            self.connections += 1
            if self._fault is None or self._faults_left == 0:
                return None
            self._faults_left -= 1 if self._faults_left > 0 else 0
            self.injected[self._fault] += 1
            return self._fault

    async def _relay(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        fault = self._take_fault()
        if fault is not None:
            await _answer_with_fault(fault, client_in, client_out)
            return
        try:
            server_in, server_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_out.close()
            return
        self._open.add(client_out)
        try:
            await asyncio.gather(
                self._pipe(client_in, server_out, 0.0),
                self._throttled(server_in, client_out),
                return_exceptions=True,
            )
        finally:
            self._open.discard(client_out)
            server_out.close()  # cancelled at shutdown, the pipes may never have closed them
            client_out.close()

    async def _throttled(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(DOWNSTREAM_CHUNK):
                if self._losing:
                    self.injected["lose"] += 1
                    return
                if self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
                sink.write(chunk)
                await sink.drain()
        finally:
            sink.close()


async def _answer_with_fault(
    fault: Fault, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
) -> None:
    try:
        await client_in.readuntil(b"\r\n\r\n")  # the request's head: it reached "the server"
        if fault == "500":
            client_out.write(ERROR_ANSWER)
            await client_out.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        client_out.close()
