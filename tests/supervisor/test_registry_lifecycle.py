"""fdpd starts, holds, stops, restarts and recognises its local registry (real processes)."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance


def registry_status(fdp: FdpInstance) -> dict[str, Any]:
    result = fdp.run_fdpctl("--json", "registry", "status")
    assert result.returncode == 0, result.stderr
    status: dict[str, Any] = json.loads(result.stdout)
    return status


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def kill_quietly(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def test_start_holds_and_stop_releases(fdp: FdpInstance) -> None:
    assert registry_status(fdp)["state"] == "stopped"

    started = json.loads(fdp.run_fdpctl("--json", "registry", "start").stdout)
    assert started["state"] == "running"
    assert started["holders"] == ["fdpctl registry start"]
    assert isinstance(started["pid"], int)
    assert answers(started["url"])

    human = fdp.run_fdpctl("registry", "status")
    assert "running at " + started["url"] in human.stdout
    assert f"{started['pid']}" in human.stdout

    stopped = json.loads(fdp.run_fdpctl("--json", "registry", "stop").stdout)
    assert stopped["state"] == "stopped"
    assert not answers(started["url"])
    log = fdp.run_fdpctl("log").stdout
    assert "registry started" in log and "registry stopped" in log


def test_idle_registry_stops_by_itself(fdp_home: Path) -> None:
    env = {"FDP_REGISTRY_PORT": str(free_port()), "FDP_REGISTRY_IDLE_TIMEOUT": "1"}
    with FdpInstance(fdp_home, extra_env=env) as fdp:
        fdp.start_daemon()
        store = fdp_home / "store"
        result = fdp.run_fdpctl("config", "ana", "--data-store", str(store))
        assert result.returncode == 0, result.stderr
        url = registry_status(fdp)["url"]
        # `config` held the registry only while it worked; one idle second later it is gone.
        wait_for(lambda: registry_status(fdp)["state"] == "stopped", timeout=10)
        assert not answers(url)


def test_registry_that_dies_is_restarted(fdp: FdpInstance) -> None:
    first = json.loads(fdp.run_fdpctl("--json", "registry", "start").stdout)
    os.kill(first["pid"], signal.SIGKILL)

    def restarted() -> bool:
        status = registry_status(fdp)
        new_pid = status["pid"] not in (None, first["pid"])
        return bool(status["restarts"] == 1 and status["state"] == "running" and new_pid)

    wait_for(restarted)
    assert answers(first["url"])
    assert "registry restart" in fdp.run_fdpctl("log").stdout


@pytest.fixture
def foreign_server() -> Iterator[tuple[int, list[str]]]:
    """A plain HTTP server on a port: something that is not fdp's registry."""
    seen_headers: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen_headers.append(str(self.headers))
            body = b'{"detail": "I am somebody else"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), seen_headers
    finally:
        server.shutdown()
        server.server_close()


def test_foreign_server_on_the_port_is_refused_and_gets_no_token(
    fdp_home: Path, foreign_server: tuple[int, list[str]]
) -> None:
    port, seen_headers = foreign_server
    with FdpInstance(fdp_home, extra_env={"FDP_REGISTRY_PORT": str(port)}) as fdp:
        fdp.start_daemon()
        result = fdp.run_fdpctl("registry", "start")
        assert result.returncode == 1
        assert f"port {port}" in result.stderr
        assert "not fdp's registry" in result.stderr
        assert "FDP_REGISTRY_PORT" in result.stderr
        assert "Traceback" not in result.stderr
        token = fdp.locations.registry_token_path.read_text().strip()
        assert all(token not in headers for headers in seen_headers)
        assert all("authorization" not in headers.lower() for headers in seen_headers)


def test_registry_left_by_a_killed_fdpd_is_adopted(fdp: FdpInstance) -> None:
    first = json.loads(fdp.run_fdpctl("--json", "registry", "start").stdout)
    try:
        os.kill(fdp.daemon_pid(), signal.SIGKILL)
        fdp.start_daemon()
        adopted = json.loads(fdp.run_fdpctl("--json", "registry", "start").stdout)
        assert adopted["adopted"] is True
        assert adopted["pid"] == first["pid"]
        assert json.loads(fdp.run_fdpctl("--json", "registry", "stop").stdout)["state"] == "stopped"
        wait_for(lambda: not answers(first["url"]))
    finally:
        kill_quietly(first["pid"])


def test_registry_orphaned_by_a_killed_fdpd_stops_once_idle(fdp_home: Path) -> None:
    env = {"FDP_REGISTRY_PORT": str(free_port()), "FDP_REGISTRY_IDLE_TIMEOUT": "1"}
    with FdpInstance(fdp_home, extra_env=env) as fdp:
        fdp.start_daemon()
        held = json.loads(fdp.run_fdpctl("--json", "registry", "start").stdout)
        try:
            time.sleep(2)  # idle longer than the timeout, but held by a live fdpd: it stays
            assert answers(held["url"])
            os.kill(fdp.daemon_pid(), signal.SIGKILL)
            # watch the process, not the port: a request would count as activity
            wait_for(lambda: not Path(f"/proc/{held['pid']}").exists(), timeout=15)
            assert not answers(held["url"])
        finally:
            kill_quietly(held["pid"])


def test_idle_stop_waits_for_a_client_that_is_using_the_registry(fdp_home: Path) -> None:
    """A client talking to the registry directly (a model, a browser) takes no hold: its
    requests, not holds alone, keep the registry from its idle stop."""
    idle = 1.0
    env = {"FDP_REGISTRY_PORT": str(free_port()), "FDP_REGISTRY_IDLE_TIMEOUT": str(idle)}
    with FdpInstance(fdp_home, extra_env=env) as fdp:
        fdp.start_daemon()
        result = fdp.run_fdpctl("config", "ana", "--data-store", str(fdp_home / "store"))
        assert result.returncode == 0, result.stderr
        url = registry_status(fdp)["url"]
        # `config` released its hold: the idle countdown runs, while a client keeps asking
        asking = 0
        asked_until = time.monotonic() + 4 * idle  # four idle timeouts of requests
        while time.monotonic() < asked_until or asking < 4:
            assert answers(url), "the registry stopped under a client that was using it"
            assert registry_status(fdp)["state"] == "running"
            asking += 1
            time.sleep(0.1)
        wait_for(lambda: registry_status(fdp)["state"] == "stopped", timeout=30)
        assert not answers(url)
