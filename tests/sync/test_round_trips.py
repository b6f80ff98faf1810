"""No wasted request against any remote (issue 27, item 2): a pull sizes its files from the
GET's answer (no HEAD per file), a push uploads each content once, and the write window backs
off on 5xx and 429 and grows back."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from typing import Any

import httpx

from fdpd.remote.client import RegistryClient
from fdpd.remote.write_gate import GROW_AFTER, WriteGate
from fdpd.sync import ReadRequest, pull, push, resolve_reads
from fdpregistry.atomic_writes import ATOMIC_WRITES_HEADER
from tests.sync.conftest import Side
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import add_product


class PathLog(httpx.AsyncBaseTransport):
    """Notes the method and path of every request it passes on to `inner` (the remote app)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None) -> None:
        assert inner is not None
        self.inner = inner
        self.sent: Counter[tuple[str, str]] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent[(request.method, request.url.path)] += 1
        return await self.inner.handle_async_request(request)


def test_pull_sizes_files_from_their_download_not_a_head_each(local: Side, remote: Side) -> None:
    remote_root = f"{remote.base_url}/data/"
    contents = [f"sized {index}\n".encode() * (index + 1) for index in range(3)]
    for index, content in enumerate(contents):
        sha1 = remote.seeder.upload(content)
        add_product(
            remote.seeder,
            namespace="SIZE",
            name=f"sized/p{index}",
            version="1.0.0",
            content=content,
            root=remote_root,
            path=sha1,
        )
    events: list[dict[str, Any]] = []

    async def go() -> Counter[tuple[str, str]]:
        log = PathLog(remote.transport)
        async with (
            RegistryClient(remote.base_url, remote.token, transport=log) as origin,
            local.client("local") as target,
        ):
            found = await resolve_reads(origin, [ReadRequest("SIZE", "sized/*")])
            report = await pull(
                origin,
                target,
                found,
                MemoryLedger(),
                local.store,
                on_progress=lambda event: events.append(event.details),
            )
        assert [item.status for item in report.items] == ["pulled"] * 3, report.items
        assert report.bytes_transferred == sum(len(c) for c in contents)
        return log.sent

    sent = asyncio.run(go())

    assert not [key for key in sent if key[0] == "HEAD"], sent
    downloads = [key for key in sent if key[1].startswith("/data/")]
    # small files of fdp's own registry come in one bulk answer (tests/bulk/test_bulk_files.py)
    assert not downloads and sent[("POST", "/fdp/bulk/download")] == 1, sent
    totals = [e["bytes_total"] for e in events if e.get("phase") == "download"]
    assert totals and totals[-1] == sum(len(c) for c in contents), events


def test_a_registered_file_is_uploaded_once_for_its_original_and_its_copy(
    local: Side, remote: Side
) -> None:
    """A `register:` item leaves two local locations of one content: the data store copy and
    the external object's `original_store`. One upload serves both."""
    content = b"registered once\n"
    sha1 = hashlib.sha1(content).hexdigest()
    (local.store / "copy.csv").write_bytes(content)
    (local.files / "original.csv").write_bytes(content)
    product = add_product(
        local.seeder,
        namespace="REG",
        name="registered/once",
        version="1.0.0",
        content=content,
        root=f"file://{local.store}/",
        path="copy.csv",
    )
    original_root = local.seeder.once(
        "storage_root", {"root": f"file://{local.files}/", "local": True}
    )
    original = local.seeder.post(
        "storage_location",
        {
            "path": "original.csv",
            "hash": sha1,
            "public": True,
            "storage_root": original_root["url"],
        },
    )
    local.seeder.post(
        "external_object",
        {
            "data_product": product.record["url"],
            "title": "registered once",
            "primary_not_supplement": True,
            "release_date": "2026-01-01T00:00:00",
            "alternate_identifier": "registered-once",
            "alternate_identifier_type": "test",
            "original_store": original["url"],
        },
    )

    async def go() -> Counter[tuple[str, str]]:
        log = PathLog(remote.transport)
        async with (
            local.client("local") as source,
            RegistryClient(remote.base_url, remote.token, transport=log) as origin,
        ):
            report = await push(source, origin, [product.record["url"]], MemoryLedger())
        assert [item.status for item in report.items] == ["pushed"], report.items
        assert report.files_transferred == 1
        return log.sent

    sent = asyncio.run(go())

    assert sent[("POST", f"/api/data/{sha1}")] == 1, sent
    assert sum(n for (method, _), n in sent.items() if method == "PUT") == 1, sent
    locations = remote.seeder.http.get("/api/storage_location/").json()["results"]
    assert [row["hash"] for row in locations] == [sha1]  # both now name the remote's one file
    external = remote.seeder.http.get("/api/external_object/").json()["results"]
    assert [row["original_store"] for row in external] == [locations[0]["url"]]


def answer(status: int, *, atomic: bool = True) -> httpx.Response:
    headers = {ATOMIC_WRITES_HEADER: "true"} if atomic else {}
    return httpx.Response(status, headers=headers)


def test_the_write_window_halves_on_429_and_5xx_and_grows_back() -> None:
    now = [0.0]
    gate = WriteGate(8, clock=lambda: now[0])

    async def go() -> list[int]:
        seen = []
        await gate.observe(answer(201))
        seen.append(gate.limit)  # atomic: the whole window
        await gate.observe(answer(429))
        seen.append(gate.limit)
        await gate.observe(answer(503))
        seen.append(gate.limit)
        for _ in range(10):  # good answers, but too soon after the last halving
            await gate.observe(answer(201))
        seen.append(gate.limit)
        now[0] += GROW_AFTER
        for _ in range(2):
            await gate.observe(answer(201))
        seen.append(gate.limit)
        for _ in range(40):
            now[0] += GROW_AFTER
            await gate.observe(answer(200))
        seen.append(gate.limit)
        return seen

    assert asyncio.run(go()) == [8, 4, 2, 2, 3, 8]


def test_a_registry_without_atomic_writes_stays_at_one_write() -> None:
    now = [0.0]
    gate = WriteGate(8, clock=lambda: now[0])

    async def go() -> int:
        for _ in range(20):
            now[0] += GROW_AFTER
            await gate.observe(answer(201, atomic=False))
        return gate.limit

    assert asyncio.run(go()) == 1


def test_a_create_answered_429_is_sent_again() -> None:
    """FAULT INJECTION: a registry that answers a POST 429 once (fdp's registry never does; a
    proxy or rate limiter in front of a remote may)."""
    posts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posts.append(1)
        if len(posts) == 1:
            return httpx.Response(429, json={"detail": "slow down"})
        return httpx.Response(201, json={"url": "http://registry.test/api/namespace/1/"})

    async def go() -> object:
        async with RegistryClient(
            "http://registry.test/", "t", transport=httpx.MockTransport(handler), retry_delays=[0]
        ) as client:
            return await client.post("namespace", {"name": "N"})

    assert asyncio.run(go()) == {"url": "http://registry.test/api/namespace/1/"}
    assert len(posts) == 2
