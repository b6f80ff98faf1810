"""Small files in bulk between fdp registries (issue 27: 1,000 files over a 50 ms round trip):
`POST /fdp/bulk/files` and `POST /fdp/bulk/download` (docs/registry-api.md), with the checks of
one file at a time: the SHA-1 verified before a file is kept, a valid upload slot per file,
bounds per file and per request, a retry keeps nothing twice, an untrusted answer refused; a
large file still goes alone. Registries run in process over `httpx.ASGITransport`."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from fdpd.remote.client import RegistryClient
from fdpd.store.batch import write_batch
from fdpd.store.framing import MAX_FILE_BYTES, FramingError, decode_files, encode_files
from fdpd.sync import ReadRequest, pull, push, resolve_reads
from fdpregistry.users_admin import add_user as add_registry_user
from tests.bulk.test_bulk_protocol import BASE, PathCounting, Remote, shared_remote
from tests.housekeeping.inprocess import InProcessRegistry, registry_in_process
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import add_product

FILES = 40


@dataclass
class Seeded:
    local: InProcessRegistry
    roots: list[str]
    contents: dict[str, bytes]  # product name → its file's bytes


def seed(local: InProcessRegistry, files: Path, count: int, *, big: int = 0) -> Seeded:
    """`count` small products `BULK:small/pNNN@1.0.0`, and `big` of more than a bulk file."""
    files.mkdir(parents=True, exist_ok=True)
    roots, contents = [], {}
    for index in range(count + big):
        name = f"small/p{index:03}" if index < count else f"big/p{index:03}"
        content = f"bulk,{index}\n".encode()
        if index >= count:
            content = content * (MAX_FILE_BYTES // len(content) + 10)
        (files / f"p{index}.csv").write_bytes(content)
        product = add_product(
            local.seeder,
            namespace="BULK",
            name=name,
            version="1.0.0",
            content=content,
            root=f"file://{files}/",
            path=f"p{index}.csv",
        )
        roots.append(product.record["url"])
        contents[name] = content
    return Seeded(local, roots, contents)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[InProcessRegistry]:
    with registry_in_process(tmp_path / "local") as registry:
        yield registry


def stored_files(store: Path) -> dict[str, bytes]:
    """The data store's files by SHA-1 (its content-addressed layout)."""
    return {
        path.name: path.read_bytes()
        for path in store.rglob("*")
        if path.is_file() and len(path.name) == 40
    }


def push_all(seeded: Seeded, remote: Remote, token: str) -> PathCounting:
    async def go() -> PathCounting:
        async with seeded.local.client() as source, remote.client(token) as origin:
            report = await push(source, origin, seeded.roots, MemoryLedger())
            assert {item.status for item in report.items} == {"pushed"}, report.items
            return origin

    return asyncio.run(go())


def test_a_push_sends_small_files_in_bulk_and_a_big_one_alone(
    local: InProcessRegistry, tmp_path: Path
) -> None:
    seeded = seed(local, tmp_path / "files", FILES, big=1)
    with shared_remote(tmp_path / "remote") as remote:
        token = add_registry_user(remote.database_url, "alice")

        origin = push_all(seeded, remote, token)

        kept = stored_files(tmp_path / "remote" / "store")
    assert sorted(kept.values()) == sorted(seeded.contents.values())
    for sha1, content in kept.items():
        assert hashlib.sha1(content).hexdigest() == sha1
    puts = sum(n for (method, path), n in origin.paths.items() if method == "PUT")
    # the first file goes alone (before the registry said it is fdp's), the big one alone too
    assert puts == 2, origin.paths
    assert origin.paths[("POST", "/fdp/bulk/files")] == 1


def test_a_pull_fetches_small_files_in_bulk_into_the_data_store(
    local: InProcessRegistry, tmp_path: Path
) -> None:
    seeded = seed(local, tmp_path / "files", FILES, big=1)
    with (
        shared_remote(tmp_path / "remote") as remote,
        registry_in_process(tmp_path / "second") as second,
    ):
        token = add_registry_user(remote.database_url, "alice")
        push_all(seeded, remote, token)
        into = tmp_path / "pulled"

        async def go() -> PathCounting:
            async with remote.client(token) as origin, second.client() as target:
                reads = [ReadRequest("BULK", "small/*"), ReadRequest("BULK", "big/*")]
                found = await resolve_reads(origin, reads)
                report = await pull(origin, target, found, MemoryLedger(), into)
                assert {item.status for item in report.items} == {"pulled"}, report.items
                assert report.files_transferred == FILES + 1
                return origin

        origin = asyncio.run(go())

    pulled = {
        str(path.relative_to(into / "BULK").parent): path.read_bytes()
        for path in into.rglob("*.csv")
    }
    assert pulled == seeded.contents
    assert not list(into.rglob("*.part"))
    gets = sum(n for (method, path), n in origin.paths.items() if path.startswith("/data/"))
    assert gets == 1, origin.paths  # the big file alone; the small ones in one bulk answer
    assert origin.paths[("POST", "/fdp/bulk/download")] == 1


def test_each_file_is_kept_only_with_its_sha1_and_a_valid_slot_and_a_retry_keeps_nothing_twice(
    tmp_path: Path,
) -> None:
    good, other = b"good\n", b"other\n"
    good_sha1, other_sha1 = hashlib.sha1(good).hexdigest(), hashlib.sha1(other).hexdigest()
    forged = hashlib.sha1(b"forged\n").hexdigest()
    with shared_remote(tmp_path / "remote") as remote:
        token = add_registry_user(remote.database_url, "alice")

        async def go() -> tuple[Any, Any]:
            async with remote.client(token) as client:
                await client.whoami()  # learns that it is an fdp registry
                slots = await client.bulk_upload_slots([good_sha1, other_sha1])
                assert slots is not None
                good_slot, other_slot = str(slots[good_sha1]), str(slots[other_sha1])
                bad_slot = good_slot.replace(good_sha1, forged)  # its signature is good_sha1's
                files = [(good_slot, good), (other_slot, b"not the signed content\n")]
                files.append((bad_slot, b"forged\n"))
                first = await client.bulk_upload(files)
                again = await client.bulk_upload(files)
                return first, again

        first, again = asyncio.run(go())
        kept = stored_files(tmp_path / "remote" / "store")

    assert [status for status, _ in first] == [201, 400, 403]
    assert [status for status, _ in again] == [200, 400, 403]
    assert "nothing was stored" in first[1][1] and "signature" in first[2][1]
    assert kept == {good_sha1: good}
    assert not list((tmp_path / "remote" / "store").rglob("*.part"))


def test_bodies_out_of_bounds_are_refused_whole(tmp_path: Path) -> None:
    big = b"x" * (MAX_FILE_BYTES + 1)
    sha1 = hashlib.sha1(big).hexdigest()
    entry = {"sha1": sha1, "expires": "9999999999", "signature": "x"}
    with shared_remote(tmp_path / "remote") as remote:

        async def go() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=remote.app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
                return [
                    await http.post("/fdp/bulk/files", content=body)
                    for body in (
                        encode_files([entry], [big]),  # a file over the bound
                        b'{"files": [{"sha1": "%s", "size": 5}]}\nabc' % sha1.encode(),
                        b"no manifest line",
                        b"x" * (9 * 1024 * 1024),  # the whole body over the bound
                    )
                ]

        answers = asyncio.run(go())
        kept = stored_files(tmp_path / "remote" / "store")

    assert [answer.status_code for answer in answers] == [400, 400, 400, 413]
    assert "size" in answers[0].json()["detail"] and "add up" in answers[1].json()["detail"]
    assert kept == {}


class AlteredAnswer:
    """FAULT INJECTION: a remote whose bulk download answers other bytes than its files (of the
    same sizes), or (`other_names`) files it was not asked for: what a broken or hostile remote
    could do, and fdp's own registry never does."""

    def __init__(self, app: Any, *, other_names: bool = False) -> None:
        self.app, self.other_names = app, other_names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/fdp/bulk/download":
            await self.app(scope, receive, send)
            return

        async def altered(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                entries, blobs = decode_files(message["body"])
                if self.other_names:
                    entries = [{**entry, "name": "../../elsewhere"} for entry in entries]
                changed = [None if b is None else bytes(255 - c for c in b) for b in blobs]
                body = encode_files([{"name": e["name"]} for e in entries], changed)
                message = {**message, "body": body}
            await send(message)

        await self.app(scope, receive, altered)


@pytest.mark.parametrize("other_names", [False, True], ids=["other-bytes", "other-names"])
def test_a_pull_keeps_no_file_a_bulk_answer_got_wrong(
    local: InProcessRegistry, tmp_path: Path, other_names: bool
) -> None:
    """Bytes that do not hash to the record's SHA-1 are refused, as a single GET's are; an
    answer about other files than those asked for is not used at all (each file is then
    fetched alone, and arrives)."""
    seeded = seed(local, tmp_path / "files", 3)
    with (
        shared_remote(tmp_path / "remote") as remote,
        registry_in_process(tmp_path / "second") as second,
    ):
        token = add_registry_user(remote.database_url, "alice")
        push_all(seeded, remote, token)
        into = tmp_path / "pulled"
        app = AlteredAnswer(remote.app, other_names=other_names)

        async def go() -> list[Any]:
            transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
            async with (
                RegistryClient(BASE, token, name="origin", transport=transport) as origin,
                second.client() as target,
            ):
                found = await resolve_reads(origin, [ReadRequest("BULK", "small/*")])
                report = await pull(origin, target, found, MemoryLedger(), into)
                return report.items

        items = asyncio.run(go())

    assert not list(into.rglob("*.part"))
    if other_names:
        assert {item.status for item in items} == {"pulled"}
        assert len(list(into.rglob("*.csv"))) == 3
        assert not (tmp_path / "elsewhere").exists()
    else:
        assert {item.status for item in items} == {"failed"}
        assert all("SHA-1" in str(item.reason) for item in items), items
        assert not list(into.rglob("*.csv"))


def test_a_private_file_is_not_in_an_anonymous_bulk_answer(tmp_path: Path) -> None:
    content = b"private\n"
    sha1 = hashlib.sha1(content).hexdigest()
    with shared_remote(tmp_path / "remote") as remote:
        token = add_registry_user(remote.database_url, "alice")

        async def go() -> tuple[Any, Any]:
            async with remote.client(token) as client:
                url = await client.request_upload(sha1)
                assert url is not None
                file = tmp_path / "private.csv"
                file.write_bytes(content)
                await client.upload_file(url, file, sha1)
                root, _ = await client.create(
                    "storage_root", {"root": f"{BASE}/data/"}, {"root": f"{BASE}/data/"}
                )
                await client.post(
                    "storage_location",
                    {"path": sha1, "hash": sha1, "public": False, "storage_root": root["url"]},
                )
                await client.whoami()
                with_token = await client.bulk_download([sha1, "f" * 40])
            transport = httpx.ASGITransport(app=remote.app)
            async with RegistryClient(BASE, None, transport=transport) as anonymous:
                await anonymous.count("namespace")  # learns that it is an fdp registry
                without = await anonymous.bulk_download([sha1])
            return with_token, without

        with_token, without = asyncio.run(go())

    assert with_token == [(200, content), (404, None)]
    assert without == [(403, None)]


def test_an_answer_out_of_bounds_or_not_adding_up_is_refused() -> None:
    with pytest.raises(FramingError, match="add up"):
        decode_files(b'{"files": [{"name": "a", "size": 3}]}\nab')
    with pytest.raises(FramingError, match="size"):
        decode_files(b'{"files": [{"name": "a", "size": %d}]}\n' % (MAX_FILE_BYTES + 1))
    with pytest.raises(FramingError, match="more than"):
        decode_files(b'{"files": [' + b",".join([b"{}"] * 300) + b"]}\n")
    assert decode_files(b'{"files": [{"name": "a", "size": 2}, {"name": "b"}]}\nok') == (
        [{"name": "a", "size": 2}, {"name": "b"}],
        [b"ok", None],
    )


def test_a_batch_that_fails_leaves_no_temporary_file_and_no_partial_file(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where a folder should be\n")
    files = [(tmp_path / "a" / "one", b"1"), (tmp_path / "blocked" / "two", b"2")]
    with pytest.raises(OSError):
        write_batch(files)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["blocked"]

    write_batch([(tmp_path / "a" / "one", b"1"), (tmp_path / "b" / "two", b"22")])
    assert (tmp_path / "a" / "one").read_bytes() == b"1"
    assert (tmp_path / "b" / "two").read_bytes() == b"22"
    assert not list(tmp_path.rglob("*.part"))


def test_a_registry_without_the_bulk_file_routes_gets_each_file_alone(
    local: InProcessRegistry, tmp_path: Path
) -> None:
    """An fdp registry storing files in S3 (or an older fdp) answers the route 404: the files
    go one PUT each, and the client asks the route no more."""
    seeded = seed(local, tmp_path / "files", 5)
    with shared_remote(tmp_path / "remote") as remote:
        token = add_registry_user(remote.database_url, "alice")
        app = NoBulkFiles(remote.app)

        async def go() -> PathCounting:
            transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
            async with (
                seeded.local.client() as source,
                PathCounting(BASE, token, transport=transport) as origin,
            ):
                report = await push(source, origin, seeded.roots, MemoryLedger())
                assert {item.status for item in report.items} == {"pushed"}, report.items
                return origin

        origin = asyncio.run(go())
        kept = stored_files(tmp_path / "remote" / "store")

    assert sorted(kept.values()) == sorted(seeded.contents.values())
    assert origin.paths[("POST", "/fdp/bulk/files")] == 1
    assert sum(n for (m, _), n in origin.paths.items() if m == "PUT") == 5


class NoBulkFiles:
    """fdp's registry app with `POST /fdp/bulk/files` answered 404, as for an S3 store."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/fdp/bulk/files":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def test_an_upload_slot_of_another_registry_is_not_sent_in_bulk() -> None:
    client = RegistryClient(BASE, "t")
    own = f"{BASE}/data/upload/{'a' * 40}?expires=1&signature=s"
    assert client.bulk_upload_slot(own) == ("a" * 40, "1", "s")
    assert client.bulk_upload_slot("https://s3.example.org/b/aaa?X-Amz-Signature=s") is None
    assert client.bulk_file_name(f"{BASE}/data/{'a' * 40}") == "a" * 40
    assert client.bulk_file_name("https://elsewhere.example.org/data/x") is None
    assert client.bulk_file_name(f"{BASE}/data/upload") is None
    with pytest.raises(ValueError, match="upload slot"):
        asyncio.run(client.bulk_upload([("https://elsewhere.example.org/x", b"")]))


def test_a_pull_into_a_store_in_use_asks_the_local_registry_once_not_per_file(
    local: InProcessRegistry, tmp_path: Path
) -> None:
    """The local data store's root is known to the local registry already (an earlier pull):
    which of its locations hold the planned files is read in one go, not looked up per file."""
    seeded = seed(local, tmp_path / "files", FILES)
    with (
        shared_remote(tmp_path / "remote") as remote,
        registry_in_process(tmp_path / "second") as second,
    ):
        token = add_registry_user(remote.database_url, "alice")
        push_all(seeded, remote, token)
        into = tmp_path / "pulled"

        async def go(pattern: str) -> PathCounting:
            target = PathCounting(second.base_url, second.token, transport=second.transport())
            async with remote.client(token) as origin, target:
                found = await resolve_reads(origin, [ReadRequest("BULK", pattern)])
                report = await pull(origin, target, found, MemoryLedger(), into)
                assert {item.status for item in report.items} == {"pulled"}, report.items
                return target

        asyncio.run(go("small/p000"))  # the root is made
        target = asyncio.run(go("small/*"))

    looked_up = target.paths[("GET", "/api/storage_location/")]
    assert looked_up <= 3, target.paths  # a count, a page, the copy's own look-ups
    assert len(list(into.rglob("*.csv"))) == FILES


class CutAnswer:
    """FAULT INJECTION: the connection drops half way through a bulk download's answer (a
    remote killed or a network cut at that moment)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/fdp/bulk/download":
            await self.app(scope, receive, send)
            return

        async def cut(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                await send({**message, "body": message["body"][:50], "more_body": True})
                raise httpx.ReadError("connection reset half way")  # as httpx reports a cut
            await send(message)

        await self.app(scope, receive, cut)


def test_a_bulk_answer_cut_half_way_keeps_nothing_of_it_and_each_file_comes_alone(
    local: InProcessRegistry, tmp_path: Path
) -> None:
    seeded = seed(local, tmp_path / "files", 4)
    with (
        shared_remote(tmp_path / "remote") as remote,
        registry_in_process(tmp_path / "second") as second,
    ):
        token = add_registry_user(remote.database_url, "alice")
        push_all(seeded, remote, token)
        into = tmp_path / "pulled"

        async def go() -> PathCounting:
            transport = httpx.ASGITransport(app=CutAnswer(remote.app))  # type: ignore[arg-type]
            async with (
                PathCounting(BASE, token, transport=transport) as origin,
                second.client() as target,
            ):
                found = await resolve_reads(origin, [ReadRequest("BULK", "small/*")])
                report = await pull(origin, target, found, MemoryLedger(), into)
                assert {item.status for item in report.items} == {"pulled"}, report.items
                return origin

        origin = asyncio.run(go())

    assert origin.paths[("POST", "/fdp/bulk/download")] == 1
    assert sum(n for (_, path), n in origin.paths.items() if path.startswith("/data/")) == 4
    assert sorted(p.read_bytes() for p in into.rglob("*.csv")) == sorted(seeded.contents.values())
    assert not list(into.rglob("*.part"))
