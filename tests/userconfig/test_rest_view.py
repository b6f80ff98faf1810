"""RestRegistryView against a real `fdpd registry serve` process.

Records are written straight into the registry's database with the registry tests' writer and
read back over REST. Skipped while the registry does not serve `GET namespace/` yet.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from fdpd.errors import Unavailable
from fdpd.userconfig import RestRegistryView
from tests.conftest import free_port
from tests.registry.records import RecordWriter
from tests.registry.running_registry import running_registry


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
        running_registry(tmp_path / "run", database_url=database) as registry,
        httpx.Client(base_url=registry.api, timeout=10) as client,
    ):
        if client.get("namespace/").status_code == 404:
            pytest.skip("the registry does not serve GET namespace/ yet")
        view = RestRegistryView(client)
        assert view.namespace_exists("hydromet") and view.namespace_exists("empty")
        assert not view.namespace_exists("absent")
        assert view.data_product_names("hydromet") == ["rain/north", "rain/south"]
        assert sorted(view.data_product_versions("hydromet", "rain/north")) == [
            "1.0.0",
            "1.2.0",
        ]
        assert view.data_product_names("empty") == []
        assert view.data_product_names("absent") == []

        requests: list[str] = []
        client.event_hooks["request"] = [lambda request: requests.append(str(request.url))]
        paged = RestRegistryView(client)
        paged.PAGE_SIZE = 1  # forces following `next` links
        assert paged.data_product_versions("hydromet", "rain/south") == ["0.3.0"]
        assert sorted(paged.data_product_versions("hydromet", "rain/north")) == ["1.0.0", "1.2.0"]
        assert len(requests) == 1 + 3  # one namespace look-up, one page per data product
        fresh = RestRegistryView(client)
        requests.clear()
        fresh.data_product_names("hydromet")
        fresh.data_product_versions("hydromet", "rain/north")
        assert len(requests) == 2  # snapshot cached for the generation


def test_rest_view_unreachable_registry() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    with httpx.Client(base_url=url, timeout=2) as client, pytest.raises(Unavailable) as caught:
        RestRegistryView(client).namespace_exists("x")
    assert "did not answer" in caught.value.message
