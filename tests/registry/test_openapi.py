"""`GET /api/openapi.json` describes every route, and every answer's status is one it lists:
each operation is probed (anonymous, with a token, with a bad token, with a bad Accept, with
empty, wrong and malformed bodies) on fdp's registry app (in process), local and shared, SQLite
and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.inprocess import InProcessRegistry, registry_in_process
from tests.postgres_database import database_at_head
from tests.registry.conftest import ACCEPT, unique

PARAMETER_VALUES = {
    "id": ["1", "abc"],
    "dp_id": ["1", "0"],
    "record_id": ["1", "x"],
    "spec": ["ns:name@1.0.0", "nothing"],
    "checksum": ["a" * 40, "zz"],
    "name": ["a" * 40, "x"],
}
BODIES: list[Any] = [None, {}, [1], b"{not json"]


@pytest.fixture(
    scope="module",
    params=[
        "local-sqlite",
        "shared-sqlite",
        pytest.param("shared-postgres", marks=pytest.mark.postgres),
    ],
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[InProcessRegistry]:
    workdir: Path = tmp_path_factory.mktemp("openapi")
    mode, backend = request.param.split("-")
    with ExitStack() as stack:
        if backend == "postgres":
            database_url = stack.enter_context(
                database_at_head(request.getfixturevalue("postgres_server_url"))
            )
        else:
            database_url = f"sqlite:///{workdir / 'registry.db'}"
        registry = stack.enter_context(
            registry_in_process(
                workdir,
                database_url=database_url,
                shared=mode == "shared",
                data_store=workdir / "store",
            )
        )
        _seed(registry)
        yield registry


def _seed(registry: InProcessRegistry) -> None:
    """A few records with id 1, so detail and update operations reach their real checks."""
    with registry.http(registry.token, accept=None) as admin:
        admin.base_url = httpx.URL(registry.api)
        root = admin.post("storage_root/", json={"root": "https://x.example.org/"}).json()["url"]
        location = admin.post(
            "storage_location/", json={"path": "p", "hash": "h", "storage_root": root}
        ).json()["url"]
        obj = admin.post("object/", json={"storage_location": location}).json()["url"]
        namespace = admin.post("namespace/", json={"name": unique()}).json()["url"]
        body = {"name": "p", "version": "1.0.0", "object": obj, "namespace": namespace}
        assert admin.post("data_product/", json=body).status_code == 201
        assert admin.post("issue/", json={"severity": 1, "description": "d"}).status_code == 201


def document(registry: InProcessRegistry) -> dict[str, Any]:
    answer = registry.get(registry.base_url + "/api/openapi.json")
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert isinstance(doc, dict)
    return doc


def test_the_document_describes_the_api(server: InProcessRegistry) -> None:
    doc = document(server)
    assert doc["openapi"].startswith("3.")
    for path in ("/api/", "/api/data_product/", "/api/data_product/{id}/", "/data/{name}"):
        assert path in doc["paths"]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert "403" in operation["responses"], (path, method)
            assert not any(
                code.startswith("5") and code not in ("501", "503", "507")
                for code in operation["responses"]
            )


def _concrete_paths(template: str) -> list[str]:
    names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
    if not names:
        return [template]
    paths = []
    for values in itertools.product(*(PARAMETER_VALUES[name] for name in names)):
        path = template
        for name, value in zip(names, values, strict=True):
            path = path.replace("{" + name + "}", value)
        paths.append(path)
    return paths


def _variants(registry: InProcessRegistry) -> list[dict[str, str]]:
    return [
        {"Accept": ACCEPT},
        {"Accept": ACCEPT, **registry.admin_headers()},
        {"Accept": ACCEPT, "Authorization": "token " + "0" * 40},
        {"Accept": "application/json; version=9.9.9", **registry.admin_headers()},
    ]


def test_every_answer_has_a_documented_status(server: InProcessRegistry) -> None:
    doc = document(server)
    undocumented: list[tuple[str, str, int, str]] = []
    seen: set[int] = set()
    with server.http(accept=None) as client:
        for template, operations in doc["paths"].items():
            for method, operation in operations.items():
                allowed = {int(code) for code in operation["responses"]}
                for path in _concrete_paths(template):
                    for headers in _variants(server):
                        bodies = BODIES if method in ("post", "put", "patch") else [None]
                        for body in bodies:
                            answer = _send(client, method, path, headers, body)
                            seen.add(answer.status_code)
                            if answer.status_code not in allowed:
                                undocumented.append(
                                    (method, path, answer.status_code, answer.text[:120])
                                )
    assert undocumented == []
    # the probes reach the real checks, not just the front door
    assert {200, 201, 400, 403, 404, 405, 406, 409} <= seen, seen


def _send(
    client: httpx.Client, method: str, path: str, headers: dict[str, str], body: Any
) -> httpx.Response:
    if isinstance(body, bytes):
        return client.request(method.upper(), path, headers=headers, content=body)
    if body is None:
        return client.request(method.upper(), path, headers=headers)
    return client.request(method.upper(), path, headers=headers, json=body)


def test_the_local_guard_answers_a_documented_status_everywhere(server: InProcessRegistry) -> None:
    doc = document(server)
    with server.http(accept=None) as client:
        for template in doc["paths"]:
            path = _concrete_paths(template)[0]
            answer = client.get(path, headers={"Origin": "http://evil.example"})
            if "get" in doc["paths"][template]:
                assert str(answer.status_code) in doc["paths"][template]["get"]["responses"]
