"""fdp's bulk protocol between fdp registries (issue 27, item 1; docs/registry-api.md): a push
through `POST /fdp/bulk/push` makes the same records as the REST path, a retry makes nothing
twice, ownership refusals hold, a pull reads a closure through `POST /fdp/bulk/pull`, and a
registry without the routes is written and read over REST. Registries run in process over
`httpx.ASGITransport`."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from fdpd.remote.client import RegistryClient
from fdpd.sync.graph import GraphLoader, RecordGraph
from fdpd.sync.push import push
from fdpregistry.app import create_app
from fdpregistry.settings import RegistrySettings
from fdpregistry.users_admin import add_user as add_registry_user
from tests.housekeeping.inprocess import InProcessRegistry, registry_in_process
from tests.registry.records import RecordWriter
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import add_code_run

BASE = "http://127.0.0.1:8000"
VOLATILE = {"url", "last_updated", "updated_by", "uuid"}


class WithoutBulk:
    """fdp's registry app with its bulk routes answered 404, as any other registry (or an
    older fdp) answers them."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/fdp/bulk/"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


@dataclass
class Remote:
    app: FastAPI
    database_url: str

    def client(self, token: str, *, bulk: bool = True) -> PathCounting:
        app: Any = self.app if bulk else WithoutBulk(self.app)
        return PathCounting(BASE, token, transport=httpx.ASGITransport(app=app))


class PathCounting(RegistryClient):
    """A registry client that also counts requests by method and path."""

    def __init__(self, base_url: str, token: str, *, transport: httpx.AsyncBaseTransport) -> None:
        self.paths: Counter[tuple[str, str]] = Counter()
        super().__init__(base_url, token, name="origin", transport=transport)
        self._http.event_hooks["request"].append(self._note)

    async def _note(self, request: httpx.Request) -> None:
        self.paths[(request.method, request.url.path)] += 1


@contextmanager
def shared_remote(folder: Path, database_url: str | None = None) -> Iterator[Remote]:
    """A shared fdp registry in process over `database_url` (a new SQLite file in `folder`)."""
    folder.mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{folder / 'registry.db'}"
    settings = RegistrySettings(
        database_url=database_url,
        data_store=str(folder / "store"),
        shared=True,
        admin_token_file=folder / "admin-token",
    )
    yield Remote(create_app(settings), database_url)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[InProcessRegistry, str, Path]]:
    store = tmp_path / "local-store"
    with registry_in_process(tmp_path / "local") as local:
        run = add_code_run(local.seeder, store, tag="bulk")
        yield local, run["url"], store


def records_of(remote: Remote, token: str) -> dict[str, list[dict[str, Any]]]:
    """Every record of the copied types, without what differs between registries."""

    async def read() -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        async with remote.client(token, bulk=False) as client:
            for kind in (
                "namespace",
                "storage_root",
                "storage_location",
                "file_type",
                "author",
                "object",
                "object_component",
                "data_product",
                "code_run",
                "external_object",
            ):
                rows = await client.list_records(kind)
                found[kind] = sorted(
                    (_comparable(row) for row in rows), key=lambda row: repr(sorted(row.items()))
                )
        return found

    return asyncio.run(read())


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    """A record with links as `type/id` (both registries number records in the same order)."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name in VOLATILE:
            continue
        if isinstance(value, str) and "/api/" in value:
            value = value.split("/api/", 1)[1]
        elif isinstance(value, list):
            value = sorted(v.split("/api/", 1)[1] if isinstance(v, str) else v for v in value)
        out[name] = value
    return out


def run_push(
    local: InProcessRegistry, remote: Remote, token: str, root: str, *, bulk: bool
) -> tuple[int, Counter[tuple[str, str]]]:
    async def go() -> tuple[int, Counter[tuple[str, str]]]:
        async with local.client() as source, remote.client(token, bulk=bulk) as origin:
            report = await push(source, origin, [root], MemoryLedger())
            assert [item.status for item in report.items] == ["pushed"], report.items
            return report.records_created, origin.paths

    return asyncio.run(go())


def test_a_bulk_push_makes_the_records_the_rest_path_makes(
    source: tuple[InProcessRegistry, str, Path], tmp_path: Path
) -> None:
    local, run, _ = source
    with shared_remote(tmp_path / "a") as bulk, shared_remote(tmp_path / "b") as rest:
        alice_bulk = add_registry_user(bulk.database_url, "alice")
        alice_rest = add_registry_user(rest.database_url, "alice")

        created_bulk, paths_bulk = run_push(local, bulk, alice_bulk, run, bulk=True)
        created_rest, paths_rest = run_push(local, rest, alice_rest, run, bulk=False)

        assert created_bulk == created_rest > 20
        assert records_of(bulk, alice_bulk) == records_of(rest, alice_rest)
    record_posts = [path for (method, path), _ in paths_bulk.items() if method == "POST"]
    assert paths_bulk[("POST", "/fdp/bulk/push")] >= 1
    assert not [path for path in record_posts if path.startswith("/api/") and "/data/" not in path]
    assert sum(paths_bulk.values()) < sum(paths_rest.values()) / 2, (paths_bulk, paths_rest)
    # the REST path: one 404 from a bulk route, then the standard API only
    assert sum(n for (_, path), n in paths_rest.items() if path.startswith("/fdp/bulk/")) == 1
    assert paths_bulk[("POST", "/fdp/bulk/upload-slots")] == 1  # all files but the first
    assert [p for (m, p) in paths_rest if m == "POST" and p.startswith("/api/code_run")]


def test_a_bulk_push_sent_again_creates_nothing_twice(
    source: tuple[InProcessRegistry, str, Path], tmp_path: Path
) -> None:
    local, run, _ = source
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")
        first, _ = run_push(local, remote, alice, run, bulk=True)
        before = records_of(remote, alice)

        again, paths = run_push(local, remote, alice, run, bulk=True)  # a fresh ledger: a retry

        assert first > 20 and again == 0
        assert records_of(remote, alice) == before
        assert paths[("POST", "/fdp/bulk/push")] >= 1


def test_the_same_bulk_request_twice_answers_the_same_records(tmp_path: Path) -> None:
    """A retry after a cut connection: every item found, none made again (409 resolved by the
    registry)."""
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")
        items = [
            {
                "type": "namespace",
                "body": {"name": "RETRY"},
                "find_first": True,
                "lookup": {"name": "RETRY"},
                "key": {"name": "RETRY"},
            },
            {
                "type": "author",
                "body": {"name": "Ada", "identifier": "https://orcid.org/0000-0002-1825-0097"},
                "find_first": False,
                "lookup": {},
                "key": {"name": "Ada"},
            },
        ]

        async def twice() -> tuple[list[Any], list[Any]]:
            async with remote.client(alice) as client:
                await client.whoami()  # learns that it is an fdp registry
                first = await client.bulk_find_or_create(items)
                second = await client.bulk_find_or_create(items)
                assert first is not None and second is not None
                return first, second

        first, second = asyncio.run(twice())

    assert [a["status"] for a in first] == [201, 201]
    assert [a["status"] for a in second] == [200, 200]
    assert [a["record"]["url"] for a in first] == [a["record"]["url"] for a in second]


def test_ownership_refusals_hold_in_bulk(tmp_path: Path) -> None:
    """Bob may not create data products in alice's namespace: refused item by item, as a
    single create is, and the push reports why."""
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")
        bob = add_registry_user(remote.database_url, "bob")

        async def go() -> tuple[Any, httpx.Response]:
            async with remote.client(alice) as client:
                namespace, _ = await client.create(
                    "namespace", {"name": "ALICE"}, {"name": "ALICE"}
                )
                obj = await client.post("object", {"description": "alice's"})
                assert obj is not None
            body = {"namespace": namespace["url"], "name": "x", "version": "1.0.0"}
            body["object"] = obj["url"]
            async with remote.client(bob) as client:
                await client.whoami()
                answers = await client.bulk_find_or_create(
                    [
                        {
                            "type": "data_product",
                            "body": body,
                            "find_first": True,
                            "lookup": {"namespace": namespace["url"].rstrip("/").rsplit("/")[-1]},
                            "key": {
                                "namespace": namespace["url"],
                                "name": "x",
                                "version": "1.0.0",
                            },
                        }
                    ]
                )
                single = await client._http.post(
                    client.collection_url("data_product"),
                    json=body,
                    headers={"Authorization": f"token {bob}"},
                )
            return answers, single

        answers, single = asyncio.run(go())

    assert answers is not None and answers[0]["status"] == single.status_code == 403
    assert answers[0]["body"] == single.json()


def test_a_bulk_closure_loads_the_graph_the_rest_path_loads(
    source: tuple[InProcessRegistry, str, Path],
) -> None:
    local, run, _ = source

    async def load(bulk: bool) -> tuple[dict[str, Any], Counter[tuple[str, str]]]:
        app: Any = local.app if bulk else WithoutBulk(local.app)
        transport = httpx.ASGITransport(app=app)
        async with PathCounting(local.base_url, local.token, transport=transport) as client:
            await client.whoami()
            graph = RecordGraph()
            await GraphLoader(client, graph).load([run])
            return {key: node.record for key, node in graph.nodes.items()}, client.paths

    by_bulk, bulk_paths = asyncio.run(load(True))
    by_rest, rest_paths = asyncio.run(load(False))

    assert by_bulk == by_rest and len(by_bulk) > 20
    assert bulk_paths[("POST", "/fdp/bulk/pull")] == 1
    assert sum(bulk_paths.values()) == 2, bulk_paths  # whoami and the closure
    assert rest_paths[("POST", "/fdp/bulk/pull")] == 1 and sum(rest_paths.values()) > 10


def test_a_bulk_pull_comes_in_pages(tmp_path: Path) -> None:
    """More records than one answer holds: every page, each record once."""
    with registry_in_process(tmp_path / "local") as local:
        writer = RecordWriter(local.database_url)  # straight into its database: 2,800 rows
        with writer.one_transaction():
            roots = []
            for index in range(700):  # 3 records each beyond the shared ones: > 2,000 in all
                content = hashlib.sha1(f"{index}\n".encode()).hexdigest()
                location = writer.location("https://example.org/files/", content, content)
                object_id, _ = writer.object(location, "csv")
                product = writer.data_product("PAGED", f"paged/p{index:04}", "1.0.0", object_id)
                roots.append(f"{local.api_url}data_product/{product}/")
        writer.close()

        async def go() -> tuple[list[Any], Counter[tuple[str, str]]]:
            transport = httpx.ASGITransport(app=local.app)
            async with PathCounting(local.base_url, local.token, transport=transport) as client:
                await client.whoami()
                records = await client.bulk_closure(
                    roots,
                    follow={
                        "data_product": ["object", "namespace"],
                        "object": ["storage_location"],
                    },
                    children={},
                )
                assert records is not None
                return records, client.paths

        records, paths = asyncio.run(go())

    urls = [record["url"] for record in records]
    assert len(urls) == len(set(urls)) == 700 * 3 + 1
    assert paths[("POST", "/fdp/bulk/pull")] == 2


def test_a_find_only_item_creates_nothing_and_slots_skip_stored_files(tmp_path: Path) -> None:
    content = b"stored once\n"
    stored, missing = hashlib.sha1(content).hexdigest(), "b" * 40
    file = tmp_path / "stored.csv"
    file.write_bytes(content)
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")

        async def go() -> tuple[Any, Any, int]:
            async with remote.client(alice) as client:
                url = await client.request_upload(stored)
                assert url is not None
                await client.upload_file(url, file, stored)
                found = await client.bulk_find_or_create(
                    [
                        {
                            "type": "namespace",
                            "body": {},
                            "find_only": True,
                            "lookup": {"name": "NOWHERE"},
                            "key": {"name": "NOWHERE"},
                        }
                    ]
                )
                slots = await client.bulk_upload_slots([stored, missing])
                count = await client.count("namespace")
                return found, slots, count or 0

        found, slots, namespaces = asyncio.run(go())

    assert found is not None and found[0]["status"] == 404 and namespaces == 0
    assert slots is not None and slots[stored] is None  # the data store has it
    assert isinstance(slots[missing], str) and "/data/upload/" in str(slots[missing])
