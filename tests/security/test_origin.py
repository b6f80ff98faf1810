"""No web page can drive fdpd: every route of its OpenAPI document refuses a request that carries
an `Origin` header (which browsers add to cross-site requests), on the Unix socket and on TCP with
the right token, before the request does anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance
from tests.security.conftest import state_of
from tests.security.openapi import Operation, openapi_document, operations
from tests.security.raw_http import send

ORIGINS = ("https://evil.example", "null", "http://localhost:8000")


def valid_body(operation: Operation, home: Path) -> bytes | None:
    """A body fdpd would act on without the Origin header: every property with a usable value."""
    if operation.body_schema is None:
        return None
    values: dict[str, Any] = {}
    properties = operation.body_schema.get("properties", {})
    for name, spec in properties.items():
        if name == "path" and "token" in properties:
            continue  # exactly one of the two
        kinds = {s.get("type") for s in spec.get("anyOf", [spec])}
        if "boolean" in kinds:
            values[name] = False
        elif "object" in kinds:
            values[name] = {}
        elif name in ("config_path", "path", "token_file", "data_store", "config_dir"):
            values[name] = str(home / "config.yaml")
        elif name == "url":
            values[name] = "http://127.0.0.1:9/api/"
        else:
            values[name] = "origin"
    return json.dumps(values).encode()


def sample_url(operation: Operation) -> str:
    return operation.url({p["name"]: "1" for p in operation.path_parameters()})


@pytest.fixture(scope="module")
def tcp_fdp() -> Iterator[tuple[FdpInstance, tuple[str, int]]]:
    import shutil
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="fdp-orig-", dir="/tmp"))
    address = ("127.0.0.1", free_port())
    try:
        with FdpInstance(home, {"FDP_REGISTRY_PORT": str(free_port())}) as fdp:
            fdp.start_daemon("--tcp", f"{address[0]}:{address[1]}")
            yield fdp, address
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _assert_every_route_refused(fdp: FdpInstance, tcp: tuple[str, int] | None) -> int:
    auth = {} if tcp is None else {"Authorization": f"Bearer {fdp.daemon_token()}"}
    pid = fdp.daemon_pid()
    before = state_of(fdp)
    refused = 0
    for operation in operations(openapi_document(fdp)):
        body = valid_body(operation, fdp.home)
        for origin in ORIGINS:
            headers = {**auth, "Origin": origin, "Content-Type": "application/json"}
            answer = send(
                fdp, operation.method, sample_url(operation), headers=headers, body=body, tcp=tcp
            )
            assert answer.status == 403, (operation, origin, answer.body)
            assert answer.json()["error"]["code"] == "forbidden_origin"
            refused += 1
    assert state_of(fdp) == before
    assert fdp.daemon_pid() == pid
    assert fdp.request("GET", "/v1/ping").status == 200  # `POST /v1/daemon/stop` did nothing
    return refused


def test_every_route_refuses_an_origin_on_the_unix_socket(secured_fdp: FdpInstance) -> None:
    refused = _assert_every_route_refused(secured_fdp, tcp=None)
    assert refused >= 25 * len(ORIGINS)


def test_every_route_refuses_an_origin_over_tcp_even_with_the_token(
    tcp_fdp: tuple[FdpInstance, tuple[str, int]],
) -> None:
    fdp, address = tcp_fdp
    _assert_every_route_refused(fdp, tcp=address)


def test_the_same_request_without_origin_is_served(secured_fdp: FdpInstance) -> None:
    """The control: what was refused above is refused for its Origin, not for its shape."""
    document = openapi_document(secured_fdp)
    target = next(op for op in operations(document) if op.path == "/v1/status/item")
    body = valid_body(target, secured_fdp.home)
    headers = {"Content-Type": "application/json"}
    answer = send(secured_fdp, target.method, target.path, headers=headers, body=body)
    assert answer.status in (200, 404), answer.body  # looked up: no such item
    assert answer.json().get("error", {}).get("code") != "forbidden_origin"


def test_state_changing_routes_are_all_listed(secured_fdp: FdpInstance) -> None:
    """Guards against an empty or unreadable document making the tests above vacuous."""
    methods = {(op.method, op.path) for op in operations(openapi_document(secured_fdp))}
    for route in (
        ("POST", "/v1/daemon/stop"),
        ("POST", "/v1/run"),
        ("POST", "/v1/push"),
        ("POST", "/v1/pull"),
        ("POST", "/v1/users"),
        ("DELETE", "/v1/remotes/{name}"),
    ):
        assert route in methods
