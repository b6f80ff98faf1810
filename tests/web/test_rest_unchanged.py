"""The web view changes no REST answer: API clients get, byte for byte, what the registry
without it answers on the same database; browsers asking for `/` go to `/ui/`; without
Graphviz the product page shows the graph's DOT text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Route

from fdpregistry.app import build_app
from fdpregistry.database import make_engine
from fdpregistry.settings import RegistrySettings
from tests.inprocess import SyncASGI, registry_in_process
from tests.web.conftest import WebRegistry
from tests.web.seed import seed

CLIENT_HEADERS = [
    {},  # no Accept at all (curl, requests' default */*)
    {"Accept": "application/json"},
    {"Accept": "application/json; version=1.0.0"},  # pyDataPipeline's fdp_utils
    {"Accept": "text/html"},  # a bare HTML Accept stays 406 on the API
]


def _without_web_view(app: FastAPI) -> FastAPI:
    app.router.routes = [
        route
        for route in app.router.routes
        if not (
            isinstance(route, Route) and route.endpoint.__module__.startswith("fdpregistry.web")
        )
    ]
    return app


@pytest.fixture(scope="module")
def plain(web: WebRegistry) -> Iterator[httpx.Client]:
    """The same database served in-process by the registry app without the web view's routes."""
    settings = RegistrySettings(file_roots=(web.files_root,))
    app = _without_web_view(build_app(settings, make_engine(web.database_url), None))
    with httpx.Client(transport=SyncASGI(app), base_url=web.base) as client:
        yield client


def test_api_clients_get_the_same_answers(web: WebRegistry, plain: httpx.Client) -> None:
    s = web.seeded
    paths = ["/", "/api/", "/api/data_product/", f"/api/data_product/{s.result}/",
             "/api/data_product/?name=flow/*", f"/api/code_run/{s.model_run}/",
             f"/api/prov-report/{s.raw}/", f"/api/ro-crate/data-product/{s.raw}/",
             "/api/object/?page_size=2", "/ui", "/fdp/login-code"]  # fmt: skip
    with web.anonymous() as served:
        for path in paths:
            for headers in CLIENT_HEADERS:
                ours, before = served.get(path, headers=headers), plain.get(path, headers=headers)
                key = (path, headers)
                assert ours.status_code == before.status_code, key
                assert ours.headers.get("content-type") == before.headers.get("content-type"), key
                assert ours.content == before.content, key
        assert served.post("/", json={}).status_code == plain.post("/", json={}).status_code


def test_a_browser_asking_for_the_root_goes_to_the_web_view(web: WebRegistry) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    with web.anonymous() as client:
        answer = client.get("/", headers={"Accept": accept})
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/"


def test_without_graphviz_the_page_shows_the_dot_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))  # the registry's PATH
    with (
        registry_in_process(tmp_path, file_roots=(files,), with_data_store=False) as registry,
        registry.http(registry.token, accept=None) as client,
    ):
        seeded = seed(client, files)
        text = client.get(f"/ui/data_product/{seeded.result}").text
    assert "Graphviz (dot) is not installed" in text
    assert "<pre>digraph provenance {" in text
    assert "<svg" not in text
    assert "&lt;script&gt;" in text or "script" not in text.split("<pre>", 1)[1]
