"""Big-file transfers: the background writer, and fdpd.sync.transfers against fdp's registry.

The writer is checked on real files (and a real, size-limited tmpfs for a full disk); uploads and
downloads go to a shared registry with a folder data store (the app in process, tests/inprocess.py,
as `fdpd registry serve --shared --data-store DIR` serves it).
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fdpd.base.background import BATCH_BYTES, BackgroundConsumer
from fdpd.remote.client import RegistryClient
from fdpd.store import AtomicWriter
from fdpd.sync.transfers import HashMismatch, TransferError, download, upload
from tests.inprocess import InProcessRegistry, registry_in_process
from tests.small_disk import mounted_tmpfs


def chunks_of_every_size(total: int) -> list[bytes]:
    """Random chunks from 1 byte to over a batch, so that batching and order both matter."""
    sizes = [1, 7, 64 * 1024, BATCH_BYTES - 3, BATCH_BYTES + 5, 3 * BATCH_BYTES, 100]
    chunks, index = [], 0
    while sum(map(len, chunks)) < total:
        chunks.append(os.urandom(sizes[index % len(sizes)]))
        index += 1
    return chunks


def test_background_writer_keeps_every_chunk_in_order(tmp_path: Path) -> None:
    chunks = chunks_of_every_size(12 * BATCH_BYTES)
    data = b"".join(chunks)
    final = tmp_path / "kept.bin"
    with AtomicWriter(final, background=True) as writer:
        for chunk in chunks:
            writer.write(chunk)
        assert writer.size == len(data)
        assert writer.sha1 == hashlib.sha1(data).hexdigest()
        writer.write(b"tail")  # after `sha1`, writes are synchronous and still counted
        assert writer.sha1 == hashlib.sha1(data + b"tail").hexdigest()
        writer.commit()
    assert final.read_bytes() == data + b"tail"
    assert list(tmp_path.iterdir()) == [final]


def test_less_than_a_batch_is_consumed_without_a_thread() -> None:
    consumed: list[bytes] = []
    consumer = BackgroundConsumer(consumed.append, name="fdp-test-small")
    consumer.feed(b"a" * 100)
    consumer.feed(b"b" * 100)
    assert consumed == []
    consumer.finish()
    assert consumed == [b"a" * 100, b"b" * 100]
    assert "fdp-test-small" not in {thread.name for thread in threading.enumerate()}


def test_a_failing_consumer_surfaces_its_first_error_and_drops_the_rest() -> None:
    consumed: list[bytes] = []

    def consume(chunk: bytes) -> None:
        if len(consumed) == 3:
            raise OSError(errno.EIO, "the disk failed")  # a fault no real file here produces
        consumed.append(chunk)

    consumer = BackgroundConsumer(consume)
    with pytest.raises(OSError, match="the disk failed"):
        for _ in range(50):
            consumer.feed(b"x" * (BATCH_BYTES // 2))
        consumer.finish()
    with pytest.raises(OSError, match="the disk failed"):
        consumer.finish()  # still reported, and the worker is gone
    assert len(consumed) == 3


def test_background_writer_discards_unfinished_work(tmp_path: Path) -> None:
    final = tmp_path / "dropped.bin"
    with AtomicWriter(final, background=True) as writer:
        for chunk in chunks_of_every_size(6 * BATCH_BYTES):
            writer.write(chunk)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "disk", "2m") as disk:
        yield disk


def test_background_writer_reports_a_full_disk_and_leaves_nothing(small_disk: Path) -> None:
    final = small_disk / "big.bin"
    with pytest.raises(OSError) as caught, AtomicWriter(final, background=True) as writer:
        for chunk in chunks_of_every_size(8 * BATCH_BYTES):
            writer.write(chunk)  # the worker's error surfaces here, or from `sha1` below
        assert writer.sha1
    assert caught.value.errno == errno.ENOSPC
    assert list(small_disk.iterdir()) == []


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessRegistry]:
    work = tmp_path_factory.mktemp("transfers")
    with registry_in_process(work / "remote", shared=True, data_store=work / "store") as server:
        yield server


def stored_path(server: InProcessRegistry, sha1: str) -> Path:
    """Where the folder store keeps `sha1`."""
    assert server.store is not None
    return server.store / sha1[:2] / sha1


def register_location(server: InProcessRegistry, sha1: str) -> None:
    """What push registers after an upload; `GET /data/<sha1>` serves registered files only."""
    root_url = f"{server.base_url}/data/"
    with server.http(server.token, accept=None) as client:
        client.base_url = httpx.URL(server.api)
        found = client.get("storage_root/", params={"root": root_url}).json()["results"]
        root = found[0] if found else client.post("storage_root/", json={"root": root_url}).json()
        body = {"path": sha1, "hash": sha1, "public": True, "storage_root": root["url"]}
        client.post("storage_location/", json=body).raise_for_status()


def client_of(server: InProcessRegistry) -> RegistryClient:
    return server.client("origin")


async def upload_file(server: InProcessRegistry, path: Path, sha1: str) -> bool:
    async with client_of(server) as client:
        return await upload(client, path, sha1)


async def download_file(
    server: InProcessRegistry, sha1: str, destination: Path, expect: str
) -> None:
    async with client_of(server) as client:
        await download(client, f"{server.base_url}/data/{sha1}", destination, expect)


def test_upload_then_download_round_trip(registry: InProcessRegistry, tmp_path: Path) -> None:
    data = b"".join(chunks_of_every_size(5 * BATCH_BYTES))
    sha1 = hashlib.sha1(data).hexdigest()
    source = tmp_path / "source.bin"
    source.write_bytes(data)

    assert asyncio.run(upload_file(registry, source, sha1)) is True
    assert stored_path(registry, sha1).read_bytes() == data
    assert asyncio.run(upload_file(registry, source, sha1)) is False  # already stored

    register_location(registry, sha1)
    destination = tmp_path / "pulled" / "copy.bin"
    asyncio.run(download_file(registry, sha1, destination, sha1))
    assert destination.read_bytes() == data
    assert list(destination.parent.iterdir()) == [destination]


def test_download_with_another_hash_keeps_nothing(
    registry: InProcessRegistry, tmp_path: Path
) -> None:
    data = os.urandom(3 * BATCH_BYTES)
    sha1 = hashlib.sha1(data).hexdigest()
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    asyncio.run(upload_file(registry, source, sha1))
    register_location(registry, sha1)

    destination = tmp_path / "pulled" / "copy.bin"
    with pytest.raises(HashMismatch, match=f"has SHA-1 {sha1}, but the registry records"):
        asyncio.run(download_file(registry, sha1, destination, "0" * 40))
    assert list(destination.parent.iterdir()) == []


def test_upload_of_a_changed_file_is_refused_and_not_stored(
    registry: InProcessRegistry, tmp_path: Path
) -> None:
    registered = os.urandom(2 * BATCH_BYTES)
    sha1 = hashlib.sha1(registered).hexdigest()
    path = tmp_path / "result.bin"
    path.write_bytes(registered[:-1] + b"!")  # edited after it was registered

    with pytest.raises(TransferError, match="changed since it was registered") as caught:
        asyncio.run(upload_file(registry, path, sha1))
    assert str(path) in caught.value.message
    assert not stored_path(registry, sha1).exists()
    assert not any(p.name.endswith(".part") for p in stored_path(registry, sha1).parent.glob("*"))
