"""The daemon's own OpenAPI document, read from a running fdpd: its operations and body schemas."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.fdp_process import FdpInstance

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # template, e.g. /v1/jobs/{job}
    parameters: tuple[dict[str, Any], ...]
    body_schema: dict[str, Any] | None  # resolved JSON schema of the JSON body, if any
    statuses: frozenset[int] = frozenset()  # the statuses its `responses` document

    def path_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == "path"]

    def query_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == "query"]

    def url(self, values: dict[str, str]) -> str:
        return re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], self.path)


def openapi_document(fdp: FdpInstance) -> dict[str, Any]:
    answer = fdp.request("GET", "/v1/openapi.json")
    assert answer.status == 200, answer.body
    document: dict[str, Any] = answer.json()
    return document


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, items in document["paths"].items():
        for method, spec in items.items():
            body = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
            schema = resolve(document, body["schema"]) if "schema" in body else None
            statuses = frozenset(int(status) for status in spec.get("responses", {}))
            parameters = tuple(spec.get("parameters", []))
            found.append(Operation(method.upper(), path, parameters, schema, statuses))
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its top-level `$ref` followed (fdpd's bodies are flat objects)."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema
