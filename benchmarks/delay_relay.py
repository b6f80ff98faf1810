"""A TCP relay that delays every byte by a fixed time each way, and counts round trips.

    with DelayRelay(target_port, delay=0.025) as relay:    # 50 ms round trip
        client = RegistryClient(relay.url, token)
        ...
        relay.stats()   # requests seen, and the round trips they needed

It forwards bytes unchanged (the `Host` header names the relay, so the registry's links do too),
in order on each connection, each chunk `delay` seconds after it arrived. It knows nothing of
HTTP except this: on a keep-alive connection a request starts when the client sends after the
server last sent (or first sends). Round trips are the sequential waves of requests: a wave
starts with the first request not yet in one and takes every request that starts within one
round trip of it (those cannot have waited for an answer of the wave). Requests held back by a
bounded window fall into later waves, as they should: the waves are the round trips the client
waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass
from types import TracebackType

CHUNK = 256 * 1024


@dataclass(frozen=True)
class RelayStats:
    requests: int
    round_trips: int


class DelayRelay:
    def __init__(self, target_port: int, *, delay: float = 0.025, host: str = "127.0.0.1") -> None:
        self.delay = delay
        self.host = host
        self.port = 0
        self._target_port = target_port
        self._starts: list[float] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> DelayRelay:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = future.result(timeout=10)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def reset(self) -> None:
        with self._lock:
            self._starts.clear()

    def stats(self) -> RelayStats:
        """Requests and round trips since the last `reset`."""
        with self._lock:
            starts = sorted(self._starts)
        waves, wave_start = 0, None
        for start in starts:
            if wave_start is None or start >= wave_start + 2 * self.delay:
                waves += 1
                wave_start = start
        return RelayStats(requests=len(starts), round_trips=waves)

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._connection, self.host, 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(
                "127.0.0.1", self._target_port
            )
        except OSError:
            client_writer.close()
            return
        turn = ["server"]  # who sent last: a client send after the server's starts a request
        await asyncio.gather(
            self._pipe(client_reader, server_writer, turn, "client"),
            self._pipe(server_reader, client_writer, turn, "server"),
            return_exceptions=True,
        )

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        turn: list[str],
        side: str,
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            with contextlib.suppress(Exception):
                writer.write_eof()

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(CHUNK):
                now = time.monotonic()
                if side == "client" and turn[0] == "server":
                    with self._lock:
                        self._starts.append(now)
                turn[0] = side
                queue.put_nowait((now + self.delay, data))
        except OSError:
            pass
        finally:
            queue.put_nowait((time.monotonic(), b""))
            with contextlib.suppress(Exception):
                await sender
            with contextlib.suppress(Exception):
                writer.close()
