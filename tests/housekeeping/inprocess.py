"""Two code runs in fdp's own registry app served in process (tests/inprocess.py) for the fast
unit tests of gc and delete's planning: records are written through the REST API as the language
APIs write them, and read back into an `Inventory` over `httpx.ASGITransport`, as gc reads them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fdpd.features.gc.inventory import Inventory
from tests.inprocess import BASE, InProcessRegistry, SyncASGI, registry_in_process
from tests.sync.seed import add_code_run, add_product, write_local_file

__all__ = ["BASE", "InProcessRegistry", "Runs", "add_runs", "registry_in_process"]

_SyncASGI = SyncASGI  # its earlier name (tests/web imports it)


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
