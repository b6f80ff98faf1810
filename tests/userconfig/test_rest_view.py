"""RestRegistryView against fdp's registry app (in process, tests/inprocess.py), read the way fdpd
reads it: through the local registry client's blocking bridge from a thread other than the
client's loop.

Records are written straight into the registry's database with the registry tests' writer and
read back over REST.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from fdpd.base.errors import Unavailable
from fdpd.local_registry.access import BlockingReads, LocalRegistry
from fdpd.remote import client
from fdpd.userconfig import RestRegistryView
from tests.conftest import free_port
from tests.inprocess import registry_in_process
from tests.registry.records import RecordWriter


def test_rest_view_reads_namespaces_and_products(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    writer = RecordWriter(database)
    try:
        for name, versions in {"rain/north": ["1.0.0", "1.2.0"], "rain/south": ["0.3.0"]}.items():
            for version in versions:
                object_id, _ = writer.object(None)
                writer.data_product("hydromet", name, version, object_id)
        writer.namespace("empty")
    finally:
        writer.close()
    with (
        registry_in_process(tmp_path / "run", database_url=database) as registry,
        blocking_reads(registry.api_url, registry.transport()) as (reads, local),
    ):
        view = RestRegistryView(reads)
        assert view.namespace_exists("hydromet") and view.namespace_exists("empty")
        assert not view.namespace_exists("absent")
        assert view.data_product_names("hydromet") == ["rain/north", "rain/south"]
        assert sorted(view.data_product_versions("hydromet", "rain/north")) == [
            "1.0.0",
            "1.2.0",
        ]
        assert view.data_product_names("empty") == []
        assert view.data_product_names("absent") == []

        counted = local.client()
        before = counted.request_total
        paged = RestRegistryView(reads)
        paged.PAGE_SIZE = 1  # forces following `next` links
        assert paged.data_product_versions("hydromet", "rain/south") == ["0.3.0"]
        assert sorted(paged.data_product_versions("hydromet", "rain/north")) == ["1.0.0", "1.2.0"]
        # one namespace look-up, one page per data product
        assert counted.request_total - before == 1 + 3
        fresh = RestRegistryView(reads)
        before = counted.request_total
        fresh.data_product_names("hydromet")
        fresh.data_product_versions("hydromet", "rain/north")
        assert counted.request_total - before == 2  # snapshot cached for the generation


def test_rest_view_unreachable_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # every attempt is made, without the pauses between them (the port refuses at once)
    monkeypatch.setattr(client, "RETRY_DELAYS", (0.0,) * len(client.RETRY_DELAYS))
    url = f"http://127.0.0.1:{free_port()}/api/"
    with blocking_reads(url) as (reads, local):
        with pytest.raises(Unavailable) as caught:
            RestRegistryView(reads).namespace_exists("x")
        attempts = local.client().request_total
    assert attempts == 1 + len(client.RETRY_DELAYS)
    assert "did not answer" in caught.value.message
    assert caught.value.code == "registry_down"


@contextmanager
def blocking_reads(
    api_url: str, transport: httpx.AsyncBaseTransport | None = None
) -> Iterator[tuple[BlockingReads, LocalRegistry]]:
    """The bridge as fdpd uses it: the client lives on a loop in another thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    registry = LocalRegistry(api_url, transport=transport)
    try:
        yield BlockingReads(registry, loop, 10.0), registry
    finally:
        asyncio.run_coroutine_threadsafe(registry.aclose(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
