"""Builds a small, uniquely named record graph through the REST API for the core tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from tests.registry.conftest import RegistryClient, path_of, unique


@dataclass
class Graph:
    root: dict[str, Any]
    location: dict[str, Any]
    file_type: dict[str, Any]
    author: dict[str, Any]
    object: dict[str, Any]
    component: dict[str, Any]
    namespace: dict[str, Any]
    data_product: dict[str, Any]


def build_graph(registry: RegistryClient) -> Graph:
    root = registry.create("storage_root", {"root": f"file:///tmp/{unique()}/", "local": True})
    location = registry.create(
        "storage_location",
        {"path": "a/b.csv", "hash": secrets.token_hex(20), "storage_root": root["url"]},
    )
    file_type = registry.create("file_type", {"name": unique("csv"), "extension": "csv"})
    author = registry.create("author", {"name": unique("Ann ")})
    obj = registry.create(
        "object",
        {
            "description": "data",
            "storage_location": path_of(location["url"]),
            "file_type": file_type["url"],
            "authors": [author["url"]],
        },
    )
    namespace = registry.create("namespace", {"name": unique("ns")})
    product = registry.create(
        "data_product",
        {"name": f"{unique('dp')}/x", "version": "1.0.0", "object": obj["url"],
         "namespace": namespace["url"]},
    )  # fmt: skip
    component_url = obj["components"][0]
    component = registry.admin.get(path_of(component_url)).json()
    return Graph(root, location, file_type, author, obj, component, namespace, product)
