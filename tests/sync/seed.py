"""Create registry records over REST (as the language APIs do) for sync tests and benchmarks."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ACCEPT = "application/json; version=1.0.0"


class Seeder:
    """Writes records into one registry with a token, reusing shared parents by natural key."""

    def __init__(
        self, base_url: str, token: str, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"token {token}", "Accept": ACCEPT},
            timeout=30.0,
            transport=transport,  # an app in process: no TLS context is made (~30 ms)
        )
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}

    def close(self) -> None:
        self.http.close()

    def post(self, record_type: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(f"/api/{record_type}/", json=body)
        assert response.status_code == 201, f"{record_type}: {response.status_code} {response.text}"
        record: dict[str, Any] = response.json()
        return record

    def once(self, record_type: str, body: dict[str, Any]) -> dict[str, Any]:
        key = (record_type, repr(sorted(body.items())))
        if key not in self._cache:
            self._cache[key] = self.post(record_type, body)
        return self._cache[key]

    def count(self, record_type: str) -> int:
        response = self.http.get(f"/api/{record_type}/", params={"page_size": 1})
        assert response.status_code == 200, response.text
        return int(response.json()["count"])

    def counts(self) -> dict[str, int]:
        return {t: self.count(t) for t in RECORD_TYPES}

    def upload(self, content: bytes) -> str:
        """Put content into this registry's data store; its SHA-1."""
        sha1 = hashlib.sha1(content).hexdigest()
        response = self.http.post(f"/api/data/{sha1}")
        if response.status_code == 409:
            return sha1
        assert response.status_code == 200, response.text
        put = self.http.put(response.json()["url"], content=content)
        assert put.status_code in (200, 201), put.text
        return sha1


RECORD_TYPES = (
    "namespace",
    "storage_root",
    "storage_location",
    "file_type",
    "author",
    "object",
    "object_component",
    "data_product",
    "code_run",
    "issue",
    "key_value",
    "external_object",
)


@dataclass
class Product:
    record: dict[str, Any]
    object: dict[str, Any]
    content: bytes


def add_product(
    seeder: Seeder,
    *,
    namespace: str,
    name: str,
    version: str,
    content: bytes,
    root: str,
    path: str | None = None,
    extension: str = "csv",
    public: bool = True,
    recorded_sha1: str | None = None,
    components: tuple[str, ...] = (),
    private_key_value: bool = False,
) -> Product:
    """A data product with object, file type, storage location (under `root`) and author."""
    sha1 = hashlib.sha1(content).hexdigest()
    ns = seeder.once("namespace", {"name": namespace})
    storage_root = seeder.once("storage_root", {"root": root, "local": root.startswith("file")})
    location = seeder.post(
        "storage_location",
        {
            "path": path if path is not None else sha1,
            "hash": recorded_sha1 or sha1,
            "public": public,
            "storage_root": storage_root["url"],
        },
    )
    file_type = seeder.once("file_type", {"name": extension, "extension": extension})
    author = seeder.once(
        "author", {"name": "Ada Lovelace", "identifier": "https://orcid.org/0000-0002-1825-0097"}
    )
    obj = seeder.post(
        "object",
        {
            "description": f"{name} {version}",
            "storage_location": location["url"],
            "file_type": file_type["url"],
            "authors": [author["url"]],
        },
    )
    for component in components:
        seeder.post("object_component", {"object": obj["url"], "name": component})
    if private_key_value:
        seeder.post("key_value", {"object": obj["url"], "key": "accessibility", "value": "private"})
    product = seeder.post(
        "data_product",
        {"namespace": ns["url"], "name": name, "version": version, "object": obj["url"]},
    )
    return Product(product, obj, content)


def write_local_file(store: Path, relative: str, content: bytes) -> str:
    path = store / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return relative


def add_code_run(
    seeder: Seeder, store: Path, *, tag: str = "run", served_at: str | None = None
) -> dict[str, Any]:
    """A run like pyDataPipeline records: config, script, repo, 1 input and 1 output product.

    Files live in the data store `store` under a `file://` root (a local registry's records,
    about 25 of them with 4 files), or, given `served_at` (a registry's base URL), in that
    registry's own data store under its HTTP `/data/` root, as a remote serves them.
    """
    contents = {
        "config": f"run_metadata: {{description: {tag}}}\n".encode(),
        "script": f"python model.py # {tag}\n".encode(),
        "input": f"a,b\n1,2\n# {tag}\n".encode(),
        "output": f"a,b\n3,4\n# {tag}\n".encode(),
    }
    if served_at is not None:
        root = f"{served_at}/data/"
        paths = {role: seeder.upload(content) for role, content in contents.items()}
    else:
        root = f"file://{store}/"
        paths = {
            "config": write_local_file(store, f"jobs/{tag}/config.yaml", contents["config"]),
            "script": write_local_file(store, f"jobs/{tag}/script.sh", contents["script"]),
            "input": write_local_file(store, f"PSU/{tag}/input/0.1.0.csv", contents["input"]),
            "output": write_local_file(
                store, f"PSU/{tag}/output/{_sha1(contents['output'])}.csv", contents["output"]
            ),
        }
    input_product = add_product(
        seeder,
        namespace="PSU",
        name=f"{tag}/input",
        version="0.1.0",
        content=contents["input"],
        root=root,
        path=paths["input"],
        components=("table",),
    )
    output_product = add_product(
        seeder,
        namespace="PSU",
        name=f"{tag}/output",
        version="0.1.0",
        content=contents["output"],
        root=root,
        path=paths["output"],
        components=("table",),
    )
    config = _plain_object(seeder, root, paths["config"], contents["config"], "yaml")
    script = _plain_object(seeder, root, paths["script"], contents["script"], "sh")
    repo_root = seeder.once("storage_root", {"root": "https://github.com/", "local": False})
    repo_location = seeder.post(
        "storage_location",
        {
            "path": "FAIRDataPipeline/model.git",
            "hash": uuid.uuid4().hex[:40].ljust(40, "0"),
            "public": True,
            "storage_root": repo_root["url"],
        },
    )
    repo = seeder.post(
        "object", {"description": "code repo", "storage_location": repo_location["url"]}
    )
    return seeder.post(
        "code_run",
        {
            "run_date": "2024-01-01 12:00:00.123456",
            "description": f"model run {tag}",
            "code_repo": repo["url"],
            "model_config": config["url"],
            "submission_script": script["url"],
            "inputs": [_named_component(seeder, input_product.object, "table")],
            "outputs": [_named_component(seeder, output_product.object, "table")],
        },
    )


def _sha1(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def _plain_object(
    seeder: Seeder, root: str, path: str, content: bytes, extension: str
) -> dict[str, Any]:
    storage_root = seeder.once("storage_root", {"root": root, "local": root.startswith("file")})
    location = seeder.post(
        "storage_location",
        {"path": path, "hash": _sha1(content), "public": True, "storage_root": storage_root["url"]},
    )
    file_type = seeder.once("file_type", {"name": extension, "extension": extension})
    return seeder.post(
        "object", {"storage_location": location["url"], "file_type": file_type["url"]}
    )


def _named_component(seeder: Seeder, obj: dict[str, Any], name: str) -> str:
    response = seeder.http.get(
        "/api/object_component/",
        params={"object": obj["url"].rstrip("/").rsplit("/", 1)[1], "name": name},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["results"][0]["url"])
