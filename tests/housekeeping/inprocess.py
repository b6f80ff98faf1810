"""fdp's own registry app served in process (no fdpd, no subprocess) for the fast unit tests of
gc and delete's planning: records are written through the REST API as the language APIs write
them, and read back into an `Inventory` over `httpx.ASGITransport`, as gc reads them."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from fdpd.housekeeping.inventory import Inventory, read_inventory
from fdpd.registry.app import create_app
from fdpd.registry.settings import RegistrySettings
from fdpd.remote.client import RegistryClient
from tests.sync.seed import ACCEPT, Seeder, add_code_run, add_product, write_local_file

BASE = "http://127.0.0.1:8000"  # only a name: the app is called in process


@dataclass
class InProcessRegistry:
    app: FastAPI
    token: str
    seeder: Seeder
    base_url: str

    def client(self, name: str = "local registry") -> RegistryClient:
        """An async client whose requests go straight to the app."""
        transport = httpx.ASGITransport(app=self.app)
        return RegistryClient(self.base_url, self.token, name=name, transport=transport)

    def inventory(self) -> Inventory:
        async def read() -> Inventory:
            async with self.client() as client:
                return await read_inventory(client)

        return asyncio.run(read())

    def path(self, record: dict[str, Any]) -> str:
        """A record's local registry path, `/api/<type>/<id>/`."""
        return "/api/" + str(record["url"]).split("/api/", 1)[1]


@contextmanager
def registry_in_process(folder: Path, base_url: str = BASE) -> Iterator[InProcessRegistry]:
    """A registry over a new SQLite file and data store in `folder`; its admin writes."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = RegistrySettings(
        database_url=f"sqlite:///{folder / 'registry.db'}",
        data_store=str(folder / "store"),
        admin_token_file=folder / "admin-token",
    )
    app = create_app(settings)
    token = (folder / "admin-token").read_text().strip()
    seeder = Seeder(base_url, token)
    seeder.http.close()
    headers = {"Authorization": f"token {token}", "Accept": ACCEPT}
    seeder.http = httpx.Client(base_url=base_url, headers=headers, transport=_SyncASGI(app))
    try:
        yield InProcessRegistry(app, token, seeder, base_url)
    finally:
        seeder.http.close()


class _SyncASGI(httpx.BaseTransport):
    """`httpx.ASGITransport` for a synchronous client (the seeder): each request runs the app
    in an event loop of its own."""

    def __init__(self, app: FastAPI) -> None:
        self.asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=request.read()
            )
            answer = await self.asgi.handle_async_request(forwarded)
            content = await answer.aread()
            return httpx.Response(answer.status_code, headers=answer.headers, content=content)

        return asyncio.run(send())


@dataclass
class Runs:
    """Two code runs in one in-process registry: run `a` (as pyDataPipeline records one: config,
    script, repo, one input and one output product, files under a `file://` root) and run `b`,
    which reads a's output and writes `PSU:b/output`. An issue is attached to a's output
    component."""

    registry: InProcessRegistry
    inventory: Inventory
    store: Path
    a: dict[str, Any]
    b: dict[str, Any]
    issue: str

    def run_parts(self, run: dict[str, Any]) -> dict[str, str]:
        """A run's objects by role (`model_config`, `submission_script`, `code_repo`, `input`,
        `output`): local registry paths."""
        path = self.registry.path(run)
        record = self.inventory.nodes[path].record
        parts = {role: str(record[role]) for role in ("model_config", "submission_script")}
        parts["code_repo"] = str(record["code_repo"])
        for role, field_name in (("input", "inputs"), ("output", "outputs")):
            owner = self.inventory.object_of(record[field_name][0])
            assert owner is not None
            parts[role] = owner
        return parts

    def product_of(self, obj: str) -> str:
        """The data product of object `obj`."""
        products = [p for p in self.inventory.parts[obj] if p.startswith("/api/data_product/")]
        assert len(products) == 1, products
        return products[0]

    def object_with_file(self, obj: str) -> set[str]:
        """An object's records (its parts) and its storage location, as listed by the registry."""
        location = str(self.inventory.nodes[obj].record["storage_location"])
        return {obj, location, *self.inventory.parts[obj]}


def add_runs(registry: InProcessRegistry, store: Path) -> Runs:
    seeder = registry.seeder
    a = add_code_run(seeder, store, tag="a")
    content = b"a,b\n5,6\n# b\n"
    relative = write_local_file(store, "PSU/b/output/0.1.0.csv", content)
    product = add_product(
        seeder,
        namespace="PSU",
        name="b/output",
        version="0.1.0",
        content=content,
        root=f"file://{store}/",
        path=relative,
    )
    whole = seeder.http.get(
        "/api/object_component/", params={"object": _id(product.object), "whole_object": True}
    ).json()["results"][0]["url"]
    script_file = write_local_file(store, "jobs/b/script.sh", b"python model.py # b\n")
    root = seeder.once("storage_root", {"root": f"file://{store}/", "local": True})
    script_location = seeder.post(
        "storage_location",
        {
            "path": script_file,
            "hash": hashlib.sha1(b"python model.py # b\n").hexdigest(),
            "storage_root": root["url"],
        },
    )
    script = seeder.post("object", {"storage_location": script_location["url"]})
    b = seeder.post(
        "code_run",
        {
            "run_date": "2024-01-02 12:00:00",
            "description": "model run b",
            "submission_script": script["url"],
            "inputs": a["outputs"],
            "outputs": [whole],
        },
    )
    issue = seeder.post(
        "issue", {"severity": 2, "description": "odd values", "component_issues": a["outputs"]}
    )
    return Runs(registry, registry.inventory(), store, a, b, registry.path(issue))


def _id(record: dict[str, Any]) -> str:
    return str(record["url"]).rstrip("/").rsplit("/", 1)[1]
