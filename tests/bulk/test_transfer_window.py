"""How many files a push or pull moves at once (issue 27: 1,000 small files over a 50 ms round
trip): to fdp's own registry a wide window (`FDP_WINDOW`), to any other registry (the reference's
one-process server) the narrow one (`NARROW_WINDOW`), and each file one request. The remote is
fdp's registry app in process; a middleware counts the file transfers in flight and holds each
one until the window is full (or the last file has come), so the count is the window, not luck. The
window halves on a 429 or a 5xx, as the write gate does. Small files to fdp's registry go many in
one request (tests/bulk/test_bulk_files.py); here its bulk file routes answer 404, as for files
it keeps in S3, so that each file is one request."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from fdpd.remote.client import FDP_WINDOW, NARROW_WINDOW, RegistryClient
from fdpd.remote.write_gate import WriteGate
from fdpd.sync import ReadRequest, pull, push, resolve_reads
from fdpregistry.atomic_writes import ATOMIC_WRITES_HEADER
from fdpregistry.users_admin import add_user as add_registry_user
from tests.bulk.test_bulk_protocol import BASE, shared_remote
from tests.housekeeping.inprocess import InProcessRegistry, registry_in_process
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import add_product

FILES = 48  # more than the wide window
CEILING = 60.0  # seconds a held transfer waits at most for a full window (then it goes on)


@dataclass
class TransferCount:
    """fdp's registry app, counting the file transfers (`PUT /data/upload/...`, `GET
    /data/...`) in flight; each waits until `hold_until` are in flight or all `expected` have
    come (the last ones, fewer than a window), then every transfer come so far goes on; a window
    that never fills lets them go after CEILING seconds, and `most` says so. `any_registry`:
    without the header that says it is fdp's. The bulk file routes answer 404 (files one by
    one)."""

    app: Any
    hold_until: int
    any_registry: bool = False
    expected: int = FILES
    in_flight: int = 0
    most: int = 0
    arrived: int = 0  # transfers come so far
    released: int = 0  # the transfers come up to this one go on
    requests: Counter[str] = field(default_factory=Counter)
    _changed: asyncio.Condition | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests[f"{scope['method']} {_shape(scope['path'])}"] += 1
        respond = self._without_header(send) if self.any_registry else send
        if scope["path"] in ("/fdp/bulk/files", "/fdp/bulk/download"):
            await respond({"type": "http.response.start", "status": 404, "headers": []})
            await respond({"type": "http.response.body", "body": b""})
            return
        if not scope["path"].startswith("/data/"):
            await self.app(scope, receive, respond)
            return
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await self._hold()
            await self.app(scope, receive, respond)
        finally:
            self.in_flight -= 1

    async def _hold(self) -> None:
        self.arrived += 1
        mine = self.arrived
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            if self.in_flight >= self.hold_until or self.arrived >= self.expected:
                self.released = self.arrived
                self._changed.notify_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: mine <= self.released), CEILING
                )

    def _without_header(self, send: Send) -> Send:
        async def respond(message: Message) -> None:
            if message["type"] == "http.response.start":
                name = ATOMIC_WRITES_HEADER.lower().encode()
                headers = [(k, v) for k, v in message["headers"] if k.lower() != name]
                message = {**message, "headers": headers}
            await send(message)

        return respond


def _shape(path: str) -> str:
    for prefix in ("/data/upload/", "/api/data/", "/data/"):
        if path.startswith(prefix):
            return prefix + "*"
    return path


@dataclass
class Plain:
    local: InProcessRegistry
    roots: list[str]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plain]:
    """A local registry with FILES products, each with its small file: the tests only read it
    (a push and a pull write to their remotes), so they share it."""
    folder = tmp_path_factory.mktemp("plain")
    files = folder / "files"
    files.mkdir()
    with registry_in_process(folder / "local") as local:
        roots = []
        for index in range(FILES):
            content = f"plain,{index}\n".encode()
            (files / f"p{index}.csv").write_bytes(content)
            product = add_product(
                local.seeder,
                namespace="WIDE",
                name=f"plain/p{index:03}",
                version="1.0.0",
                content=content,
                root=f"file://{files}/",
                path=f"p{index}.csv",
            )
            roots.append(product.record["url"])
        yield Plain(local, roots)


def test_a_push_to_an_fdp_registry_sends_its_files_in_the_wide_window(
    plain: Plain, tmp_path: Path
) -> None:
    with shared_remote(tmp_path / "remote") as remote:
        token = add_registry_user(remote.database_url, "alice")
        counted = TransferCount(remote.app, hold_until=FDP_WINDOW)

        async def go() -> None:
            transport = httpx.ASGITransport(app=counted)  # type: ignore[arg-type]
            async with (
                plain.local.client() as source,
                RegistryClient(BASE, token, name="origin", transport=transport) as origin,
            ):
                report = await push(source, origin, plain.roots, MemoryLedger())
            assert {item.status for item in report.items} == {"pushed"}, report.items
            assert report.files_transferred == FILES

        asyncio.run(go())

    assert counted.most == FDP_WINDOW > NARROW_WINDOW
    # each file one PUT; one upload slot asked alone (the first file), the others in bulk
    assert counted.requests["PUT /data/upload/*"] == FILES
    assert counted.requests["POST /api/data/*"] == 1
    assert counted.requests["POST /fdp/bulk/upload-slots"] == 1


@pytest.mark.parametrize("any_registry", [False, True], ids=["fdp", "any-other"])
def test_a_pull_downloads_in_the_wide_window_only_from_an_fdp_registry(
    plain: Plain, tmp_path: Path, any_registry: bool
) -> None:
    with (
        shared_remote(tmp_path / "remote") as remote,
        registry_in_process(tmp_path / "second") as second,
    ):
        token = add_registry_user(remote.database_url, "alice")

        async def fill() -> None:
            transport = httpx.ASGITransport(app=remote.app)
            async with (
                plain.local.client() as source,
                RegistryClient(BASE, token, name="origin", transport=transport) as origin,
            ):
                await push(source, origin, plain.roots, MemoryLedger())

        asyncio.run(fill())
        window = NARROW_WINDOW if any_registry else FDP_WINDOW
        counted = TransferCount(remote.app, hold_until=window, any_registry=any_registry)

        async def go() -> None:
            transport = httpx.ASGITransport(app=counted)  # type: ignore[arg-type]
            async with (
                RegistryClient(BASE, token, name="origin", transport=transport) as origin,
                second.client() as target,
            ):
                found = await resolve_reads(origin, [ReadRequest("WIDE", "plain/*")])
                report = await pull(origin, target, found, MemoryLedger(), tmp_path / "pulled")
            assert {item.status for item in report.items} == {"pulled"}, report.items
            assert report.files_transferred == FILES

        asyncio.run(go())

    assert counted.most == window
    assert counted.requests["GET /data/*"] == FILES  # one request per file, no HEAD
    assert not any(key.startswith("HEAD") for key in counted.requests)


def test_the_window_opens_for_an_fdp_registry_and_halves_on_a_429_or_a_5xx() -> None:
    """The client's window (a WriteGate started narrow): wide once fdp's registry says so,
    halved by a 429 and by a 5xx; another registry's stays narrow."""

    def answer(status: int, fdp: bool) -> httpx.Response:
        headers = {ATOMIC_WRITES_HEADER: "true"} if fdp else {}
        return httpx.Response(status, headers=headers)

    async def go() -> tuple[list[int], list[int]]:
        fdp = WriteGate(FDP_WINDOW, start=NARROW_WINDOW, other_limit=NARROW_WINDOW)
        other = WriteGate(FDP_WINDOW, start=NARROW_WINDOW, other_limit=NARROW_WINDOW)
        seen_fdp, seen_other = [fdp.limit], [other.limit]
        for status in (200, 429, 503):
            await fdp.observe(answer(status, fdp=True))
            await other.observe(answer(status, fdp=False))
            seen_fdp.append(fdp.limit)
            seen_other.append(other.limit)
        return seen_fdp, seen_other

    seen_fdp, seen_other = asyncio.run(go())

    assert seen_fdp == [NARROW_WINDOW, FDP_WINDOW, FDP_WINDOW // 2, FDP_WINDOW // 4]
    assert seen_other == [NARROW_WINDOW, NARROW_WINDOW, NARROW_WINDOW // 2, NARROW_WINDOW // 4]
