"""FAULT INJECTION (a fake HTTP hop, not a fake of our components): an HTTP relay in front of a real
registry that can make a create fail half way, as the reference registry's non-atomic creates do
under load, can claim atomic writes for a registry that has none, and can send files slowly or
stall in the middle of one.

    with HttpRelay(registry_port) as relay:
        relay.half_create("object", drop="authors")   # next POST /api/object/ with authors:
                                                      # sent without them, answered 500
        relay.claim_atomic_writes()                   # add FDP-Atomic-Writes: true to answers
        relay.fail_posts("object", count=2)           # next 2 object POSTs: 500, not sent on
        relay.slow_downloads(1 << 20, stall=8)        # file answers (GET /data/...): the first
                                                      # 64 KiB, 8 s of silence, the rest at 1 MiB/s

The relay forwards `Host` unchanged, so the registry's links name the relay. It answers fdp's
bulk routes (`/fdp/bulk/...`) 404, as a registry without them does, so clients write and read
record by record over the REST API, where the faults above apply. `writes_in_flight`
records, per write it forwards, how many writes were in flight at once.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from fdpregistry.atomic_writes import ATOMIC_WRITES_HEADER
from tests.conftest import free_port

HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SLOW_CHUNK = 64 << 10
FAULT_BODY = json.dumps({"detail": "injected fault: the create failed half way"})


@dataclass
class HalfCreate:
    record_type: str
    drop: str
    left: int


@dataclass
class RelayLog:
    """What the relay saw: per forwarded write, how many were in flight (itself included) and
    the record type it creates (None: not a create); the faults it made; half-made records."""

    concurrency: list[tuple[int, str | None]] = field(default_factory=list)
    faults: int = 0
    half_created: list[str] = field(default_factory=list)


class HttpRelay:
    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.log = RelayLog()
        self._target = f"http://127.0.0.1:{target_port}"
        self._half: list[HalfCreate] = []
        self._fail: dict[str, int] = {}
        self._atomic = False
        self._download_rate = 0
        self._download_stall = 0.0
        self._in_flight = 0
        self._client: httpx.AsyncClient | None = None
        self._lock = threading.Lock()
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self.port, log_level="error", interface="asgi3"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def half_create(self, record_type: str, drop: str, count: int = 1) -> None:
        with self._lock:
            self._half.append(HalfCreate(record_type, drop, count))

    def fail_posts(self, record_type: str, count: int) -> None:
        with self._lock:
            self._fail[record_type] = count

    def claim_atomic_writes(self) -> None:
        self._atomic = True

    def slow_downloads(self, bytes_per_second: int, stall: float = 0.0) -> None:
        """Send file answers (`GET /data/...`) at `bytes_per_second`, silent for `stall` seconds
        after their first chunk (a remote that stalls mid-download); 0: full speed again."""
        self._download_rate, self._download_stall = bytes_per_second, stall

    def __enter__(self) -> HttpRelay:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the HTTP relay did not start")
            time.sleep(0.02)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        response = await self._answer(Request(scope, receive))
        await response(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Answer uvicorn's start and stop; the forwarding client is closed at the stop."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _answer(self, request: Request) -> Response:
        if request.url.path.startswith("/fdp/bulk/"):
            return Response(status_code=404)  # the per-record REST requests the faults model
        body = await request.body()
        record_type = _created_type(request)
        if record_type and self._take(self._fail, record_type):
            self.log.faults += 1
            return _fault()
        sent = json.loads(body) if record_type else {}
        half = self._take_half(record_type, sent) if record_type else None
        if half is not None:
            del sent[half.drop]
            body = json.dumps(sent).encode()
        answer = await self._forward(request, body)
        if half is not None:
            self.log.faults += 1
            self.log.half_created.append(str(answer.json().get("url", answer.text)))
            return _fault()
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS}
        if self._atomic:
            headers[ATOMIC_WRITES_HEADER] = "true"
        if request.method == "HEAD" and "content-length" in answer.headers:
            headers["content-length"] = answer.headers["content-length"]  # of the GET's body
        if (
            self._download_rate
            and request.method == "GET"
            and request.url.path.startswith("/data/")
        ):
            headers["content-length"] = str(len(answer.content))
            return StreamingResponse(
                self._slowly(answer.content), status_code=answer.status_code, headers=headers
            )
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    async def _slowly(self, content: bytes) -> AsyncIterator[bytes]:
        chunks = [content[i : i + SLOW_CHUNK] for i in range(0, len(content), SLOW_CHUNK)]
        for number, chunk in enumerate(chunks):
            yield chunk
            await asyncio.sleep(len(chunk) / self._download_rate)
            if number == 0:
                await asyncio.sleep(self._download_stall)

    async def _forward(self, request: Request, body: bytes) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_HEADERS]
        write = request.method in WRITES
        with self._lock:
            if write:
                self._in_flight += 1
                self.log.concurrency.append((self._in_flight, _created_type(request)))
        if self._client is None:  # made in the relay's own event loop, kept for its life
            self._client = httpx.AsyncClient(timeout=60)
        try:
            return await self._client.request(
                request.method,
                self._target + request.url.path,
                params=list(request.query_params.multi_items()),
                headers=headers,
                content=body,
            )
        finally:
            if write:
                with self._lock:
                    self._in_flight -= 1

    def _take(self, counts: dict[str, int], record_type: str) -> bool:
        with self._lock:
            if counts.get(record_type, 0) <= 0:
                return False
            counts[record_type] -= 1
            return True

    def _take_half(self, record_type: str, sent: dict[str, object]) -> HalfCreate | None:
        """The half-create fault for this create, if one is due and it sends that field."""
        with self._lock:
            for half in self._half:
                if half.record_type == record_type and half.left > 0 and sent.get(half.drop):
                    half.left -= 1
                    return half
        return None


def _created_type(request: Request) -> str | None:
    """The record type a `POST /api/<type>/` creates, else None."""
    parts = request.url.path.strip("/").split("/")
    if request.method == "POST" and len(parts) == 2 and parts[0] == "api":
        return parts[1]
    return None


def _fault() -> Response:
    return Response(FAULT_BODY, status_code=500, media_type="application/json")
