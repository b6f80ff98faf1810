"""fdp's `POST /fdp/local-copy`: a storage location on a remote root comes to name the local
copy of its file (what `fdpctl rerun` does for an input pulled as a record only); admin key and
local mode only, a local root only, never a location already local. The registry in process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.inprocess import InProcessRegistry, registry_in_process

SHA1 = "a" * 40


def create(client: httpx.Client, kind: str, body: dict[str, Any]) -> str:
    answer = client.post(f"/api/{kind}/", json=body)
    assert answer.status_code == 201, answer.text
    return "/api/" + str(answer.json()["url"]).split("/api/", 1)[1]


def roots_and_location(registry: InProcessRegistry, tmp_path: Path) -> tuple[str, str, str]:
    with registry.http(registry.admin_token) as admin:
        remote = create(admin, "storage_root", {"root": "https://remote.example/data/"})
        local = create(admin, "storage_root", {"root": tmp_path.as_uri() + "/", "local": True})
        location = create(
            admin, "storage_location", {"path": SHA1, "hash": SHA1, "storage_root": remote}
        )
    return remote, local, location


def copy(registry: InProcessRegistry, body: dict[str, Any], token: str | None) -> httpx.Response:
    with registry.http(token) as client:
        return client.post("/fdp/local-copy", json=body)


def test_a_remote_location_comes_to_name_its_local_copy(tmp_path: Path) -> None:
    with registry_in_process(tmp_path / "r") as registry:
        remote, local, location = roots_and_location(registry, tmp_path)
        body = {"storage_location": location, "storage_root": local, "path": "ana/in/0.0.1.csv"}
        assert copy(registry, body, None).status_code == 403
        assert copy(registry, body, registry.add_user("mallory")).status_code == 403
        wrong = body | {"storage_root": remote}
        assert copy(registry, wrong, registry.admin_token).status_code == 400
        for path in ("/etc/passwd", "../up.csv", "a/../../b", ""):
            answer = copy(registry, body | {"path": path}, registry.admin_token)
            assert answer.status_code == 400 and "path" in answer.json(), path

        assert copy(registry, body, registry.admin_token).status_code == 200

        with registry.http() as anonymous:
            record = anonymous.get(location).json()
        assert record["path"] == "ana/in/0.0.1.csv" and record["hash"] == SHA1
        assert record["storage_root"].endswith(local)
        again = copy(registry, body, registry.admin_token)
        assert again.status_code == 409  # local already: nothing to re-point


def test_a_shared_registry_has_no_such_route(tmp_path: Path) -> None:
    with registry_in_process(tmp_path / "r", shared=True) as registry:
        _, local, location = roots_and_location(registry, tmp_path)
        body = {"storage_location": location, "storage_root": local, "path": "x.csv"}
        assert copy(registry, body, registry.admin_token).status_code == 404
