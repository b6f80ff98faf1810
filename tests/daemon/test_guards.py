"""Who may talk to fdpd: the socket's owner, TCP with the token, never a web page."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance, HttpAnswer


@pytest.fixture(scope="module")
def tcp_fdp() -> Iterator[tuple[FdpInstance, tuple[str, int]]]:
    """One fdpd for the module's tests, which only read: on its Unix socket and on loopback TCP."""
    home = Path(tempfile.mkdtemp(prefix="fdp-", dir="/tmp"))  # short: a Unix socket's path
    try:
        with FdpInstance(home) as fdp:
            address = ("127.0.0.1", free_port())
            fdp.start_daemon("--tcp", f"{address[0]}:{address[1]}")
            yield fdp, address
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def running_fdp(tcp_fdp: tuple[FdpInstance, tuple[str, int]]) -> FdpInstance:
    """The module's fdpd (it also listens on its Unix socket, which these tests use)."""
    return tcp_fdp[0]


def _assert_error(answer: HttpAnswer, status: int, code: str) -> None:
    assert answer.status == status
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["fdp-version"]
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["message"] and "hint" in error


def test_tcp_listener_needs_the_token(tcp_fdp: tuple[FdpInstance, tuple[str, int]]) -> None:
    fdp, address = tcp_fdp
    token_file = fdp.locations.daemon_token_path
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    token = fdp.daemon_token()
    assert len(bytes.fromhex(token)) >= 32

    missing = fdp.request("GET", "/v1/daemon/status", tcp=address)
    wrong = fdp.request(
        "GET", "/v1/daemon/status", {"Authorization": "Bearer " + "0" * 64}, tcp=address
    )
    right = fdp.request(
        "GET", "/v1/daemon/status", {"Authorization": f"Bearer {token}"}, tcp=address
    )
    ping = fdp.request("GET", "/v1/ping", tcp=address)

    _assert_error(missing, 401, "unauthorized")
    _assert_error(wrong, 401, "unauthorized")
    assert right.status == 200
    assert right.json()["listeners"]["tcp"] == f"{address[0]}:{address[1]}"
    assert ping.status == 200
    assert token not in (fdp.locations.daemon_log_path).read_text()


def test_fdpctl_talks_over_tcp_with_the_token_file(
    tcp_fdp: tuple[FdpInstance, tuple[str, int]],
) -> None:
    fdp, (host, port) = tcp_fdp

    result = fdp.run_fdpctl(
        "--json", "daemon", "status", env={"FDP_DAEMON_URL": f"http://{host}:{port}"}
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pid"] == fdp.daemon_pid()


def test_origin_and_foreign_host_are_refused(
    tcp_fdp: tuple[FdpInstance, tuple[str, int]],
) -> None:
    fdp, address = tcp_fdp
    token = {"Authorization": f"Bearer {fdp.daemon_token()}"}

    _assert_error(
        fdp.request("GET", "/v1/ping", {"Origin": "https://evil.example"}), 403, "forbidden_origin"
    )
    _assert_error(
        fdp.request("GET", "/v1/ping", {"Origin": "null"}, tcp=address), 403, "forbidden_origin"
    )
    _assert_error(
        fdp.request("GET", "/v1/daemon/status", {**token, "Host": "evil.example"}, tcp=address),
        403,
        "forbidden_host",
    )
    _assert_error(
        fdp.request("GET", "/v1/ping", {"Host": "127.0.0.1.nip.io:80"}, tcp=address),
        403,
        "forbidden_host",
    )
    for host in ("localhost", f"127.0.0.1:{address[1]}", "[::1]:9"):
        assert fdp.request("GET", "/v1/ping", {"Host": host}, tcp=address).status == 200
    # No browser can open a Unix socket, so its Host header is not checked.
    assert fdp.request("GET", "/v1/ping", {"Host": "anything.example"}).status == 200


def test_non_loopback_tcp_needs_allow_remote(fdp: FdpInstance) -> None:
    process = fdp.spawn_daemon("--tcp", f"0.0.0.0:{free_port()}")
    _, stderr = process.communicate(timeout=15)

    assert process.returncode == 1
    assert "--allow-remote" in stderr.decode()


def test_errors_are_json_with_the_version_header(running_fdp: FdpInstance) -> None:
    _assert_error(running_fdp.request("GET", "/v1/no-such-thing"), 404, "not_found")
    _assert_error(running_fdp.request("GET", "/v1/operations/abc"), 400, "bad_request")
    _assert_error(running_fdp.request("GET", "/v1/operations/999"), 404, "not_found")
    _assert_error(running_fdp.request("DELETE", "/v1/ping"), 405, "method_not_allowed")


def test_openapi_document_is_served_under_v1(running_fdp: FdpInstance) -> None:
    answer = running_fdp.request("GET", "/v1/openapi.json")

    assert answer.status == 200
    paths = answer.json()["paths"]
    assert {"/v1/ping", "/v1/daemon/status", "/v1/operations/{operation_id}/events"} <= set(paths)
    assert running_fdp.request("GET", "/docs").status == 404
