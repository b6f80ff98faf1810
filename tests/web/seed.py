"""A small provenance chain written through the REST API, for the web view's tests.

upstream run → raw (public) → model run → result (public, `<script>` in its description) and
secret (key_value accessibility=private); the model run's script is a real file under
`files_root`, so the product page can show its size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

SCRIPT_DESCRIPTION = "<script>window.fdpInjected = 1</script>mean flow"


@dataclass(frozen=True)
class Seeded:
    namespace: int
    author: int
    raw: int  # data product ids
    result: int
    secret: int
    model_run: int  # code run ids
    upstream_run: int
    raw_file: Path


def _id(record: dict[str, Any]) -> int:
    return int(str(record["url"]).rstrip("/").rsplit("/", 1)[1])


def seed(client: httpx.Client, files_root: Path, namespace: str = "hydro") -> Seeded:
    """Writes the chain with `client` (authenticated as admin)."""

    def create(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(f"/api/{kind}/", json=body)
        assert answer.status_code == 201, (kind, body, answer.text)
        record: dict[str, Any] = answer.json()
        return record

    ns = create("namespace", {"name": namespace, "full_name": f"{namespace} & co <b>"})
    ana = create(
        "author", {"name": "Ana <i>Example</i>", "identifier": f"https://orcid.org/{namespace}"}
    )
    root = create("storage_root", {"root": files_root.as_uri() + "/", "local": True})
    csv = create("file_type", {"name": "CSV file", "extension": "csv"})
    raw_file = files_root / namespace / "raw.csv"
    raw_file.parent.mkdir(parents=True, exist_ok=True)
    raw_file.write_text("t,flow\n0,1.5\n1,2.5\n")

    def obj(path: str, description: str, content: bytes | None = None) -> dict[str, Any]:
        digest = hashlib.sha1(content or path.encode()).hexdigest()
        location = create(
            "storage_location", {"path": path, "hash": digest, "storage_root": root["url"]}
        )
        body = {"storage_location": location["url"], "authors": [ana["url"]],
                "description": description, "file_type": csv["url"]}  # fmt: skip
        return create("object", body)

    def product(name: str, of: dict[str, Any]) -> int:
        body = {"name": name, "version": "1.0.0", "object": of["url"], "namespace": ns["url"]}
        return _id(create("data_product", body))

    raw = obj(f"{namespace}/raw.csv", "raw gauge readings", raw_file.read_bytes())
    result = obj(f"{namespace}/result.csv", SCRIPT_DESCRIPTION)
    secret = obj(f"{namespace}/secret.csv", "confidential flows")
    create("key_value", {"key": "accessibility", "value": "private", "object": secret["url"]})
    script = obj(f"{namespace}/jobs/1/script.sh", "submission script")
    create("issue", {"severity": 2, "description": "gauge 3 <drifts>",
                     "component_issues": raw["components"]})  # fmt: skip
    upstream = create(
        "code_run",
        {"run_date": "2025-01-02T03:04:05Z", "description": "download gauges",
         "submission_script": script["url"], "inputs": [], "outputs": raw["components"]},
    )  # fmt: skip
    model = create(
        "code_run",
        {"run_date": "2025-02-03T04:05:06Z", "description": "mean flow model",
         "submission_script": script["url"], "inputs": raw["components"],
         "outputs": result["components"] + secret["components"]},
    )  # fmt: skip
    return Seeded(
        namespace=_id(ns),
        author=_id(ana),
        raw=product("flow/raw", raw),
        result=product("flow/result", result),
        secret=product("flow/secret", secret),
        model_run=_id(model),
        upstream_run=_id(upstream),
        raw_file=raw_file,
    )
