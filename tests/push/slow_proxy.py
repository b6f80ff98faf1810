"""FAULT INJECTION (a fake network, not a fake of our components): a loopback TCP relay that
delays everything a client sends by a fixed time, like a slow link to a remote registry.

Real registries on loopback answer in milliseconds, so a push is over before a test can kill
fdpd or stop the remote in the middle of it. Behind this relay the same push takes seconds.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from tests.conftest import free_port

CHUNK = 65536


class SlowProxy:
    """`with SlowProxy(target_port, delay) as proxy:` relays 127.0.0.1:proxy.port → target."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port = target_port
        self.delay = delay
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

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
        try:
            await asyncio.gather(
                self._pipe(client_in, server_out, self.delay),
                self._pipe(server_in, client_out, 0.0),
                return_exceptions=True,
            )
        finally:
            # A relay cancelled at shutdown may never have started its pipes, whose own
            # `finally` closes them: close both ends here so no socket outlives the loop.
            server_out.close()
            client_out.close()

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter, delay: float) -> None:
        try:
            while chunk := await source.read(CHUNK):
                if delay:
                    await asyncio.sleep(delay)
                sink.write(chunk)
                await sink.drain()
        finally:
            sink.close()
