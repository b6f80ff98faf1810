"""Real fdpd and fdpctl processes in a private FDP_HOME, for any test area to reuse.

    def test_something(fdp_home):
        with FdpInstance(fdp_home) as fdp:
            fdp.start_daemon()
            result = fdp.run_fdpctl("--json", "daemon", "status")

`tests/daemon/conftest.py` has the fixtures `fdp` (nothing started) and `running_fdp`.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from fdpd.base.paths import Locations, resolve_locations

BIN = Path(sys.executable).parent
FDPD = BIN / "fdpd"
FDPCTL = BIN / "fdpctl"
# Variables from the outer environment that would point fdp somewhere other than this instance.
FOREIGN_VARIABLES = (
    "FDP_HOME",
    "FDP_SOCKET",
    "FDP_DAEMON_URL",
    "NOTIFY_SOCKET",
    "LISTEN_PID",
    "LISTEN_FDS",
    "LISTEN_FDNAMES",
    "XDG_RUNTIME_DIR",
)
START_TIMEOUT = 15.0


def like_a_terminal_command() -> None:
    """`preexec_fn` of an fdpctl a test sends Ctrl-C (SIGINT): a command run from a terminal
    takes SIGINT, but one started from a non-interactive shell's background job (`pytest &`)
    inherits SIGINT ignored, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class HttpAnswer:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.path))


class FdpInstance:
    """One fdp instance (FDP_HOME) and the fdpd processes a test starts in it."""

    def __init__(self, home: Path, extra_env: Mapping[str, str] | None = None) -> None:
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if k not in FOREIGN_VARIABLES}
        self.env["FDP_HOME"] = str(home)
        self.env.update(extra_env or {})
        self.locations: Locations = resolve_locations(self.env)
        self.daemons: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> FdpInstance:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- processes -------------------------------------------------------------------------

    def run_fdpctl(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run the real fdpctl; never raises on a non-zero exit (tests check `returncode`)."""
        return subprocess.run(
            [str(FDPCTL), *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def spawn_daemon(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        command: Sequence[str] | None = None,
        pass_fds: Sequence[int] = (),
        output: Any = subprocess.PIPE,
    ) -> subprocess.Popen[bytes]:
        """Start fdpd (or `command`) in the background without waiting for it.

        Its output goes to pipes the test reads (`communicate`), or to the file object `output`.
        """
        process = subprocess.Popen(
            list(command) if command else [str(FDPD), *args],
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            pass_fds=tuple(pass_fds),
        )
        self.daemons.append(process)
        return process

    def start_daemon(self, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        """Start fdpd and return once it answers `GET /v1/ping` on its socket.

        Its output goes to `daemon_output` (a file): a long-lived fdpd writing into a pipe nobody
        reads would block once the pipe is full.
        """
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.daemon_output, "ab") as output:
            process = self.spawn_daemon(*args, output=output, **kwargs)
        self.wait_until_answering(process)
        return process

    @property
    def daemon_output(self) -> Path:
        return self.home / "fdpd-test-output.log"

    def wait_until_answering(
        self, process: subprocess.Popen[bytes] | None = None, timeout: float = START_TIMEOUT
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                _, stderr = process.communicate()
                said = stderr.decode() if stderr else self.daemon_output.read_text(errors="replace")
                raise AssertionError(f"fdpd exited with {process.returncode}: {said}")
            try:
                if self.request("GET", "/v1/ping", timeout=1).status == 200:
                    # fdpd answers its ping while it builds the rest (fdpd.server.gate); any other
                    # request waits for that: its crash recovery and services are done then
                    left = max(deadline - time.monotonic(), 1)
                    self.request("GET", "/v1/daemon/status", timeout=left)
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"fdpd did not answer on {self.locations.socket_path} in time")

    def stop_daemon(self, process: subprocess.Popen[bytes], timeout: float = 10) -> int:
        """SIGTERM and wait; return the exit status."""
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)

    def daemon_pid(self) -> int:
        return int(self.locations.pid_path.read_text().strip())

    def close(self) -> None:
        """Stop whatever this instance started, including an fdpd that fdpctl auto-started."""
        for process in self.daemons:
            if process.poll() is None:
                process.kill()
            process.communicate()
        self.daemons.clear()
        try:
            pid = self.daemon_pid()
        except (OSError, ValueError):
            return
        if _is_fdpd(pid):
            os.kill(pid, signal.SIGKILL)
        _stop_local_registries(self.locations)

    # --- raw HTTP to the daemon --------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        *,
        tcp: tuple[str, int] | None = None,
        timeout: float = 10,
        body: bytes | None = None,
    ) -> HttpAnswer:
        """One raw request over the Unix socket (or TCP), exactly the headers given."""
        connection: http.client.HTTPConnection
        if tcp is None:
            connection = UnixConnection(self.locations.socket_path, timeout)
        else:
            connection = http.client.HTTPConnection(*tcp, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return HttpAnswer(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def post_json(self, path: str, body: Mapping[str, Any], timeout: float = 60) -> HttpAnswer:
        """POST a JSON body to fdpd over the Unix socket."""
        headers = {"Content-Type": "application/json"}
        return self.request("POST", path, headers, timeout=timeout, body=json.dumps(body).encode())

    def open_stream(
        self, method: str, path: str
    ) -> tuple[UnixConnection, http.client.HTTPResponse]:
        """Start a request whose NDJSON answer the caller reads line by line."""
        connection = UnixConnection(self.locations.socket_path, timeout=10)
        connection.request(method, path)
        return connection, connection.getresponse()

    def daemon_token(self) -> str:
        return self.locations.daemon_token_path.read_text().strip()


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _stop_local_registries(locations: Locations) -> None:
    """Stop the local registry an fdpd of this instance started: a registry outlives a killed
    fdpd on purpose (the next fdpd adopts it), so a test that ends must stop it itself."""
    database = str(locations.registry_database_path).encode()
    for pid in _registry_processes(database):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while _registry_processes(database) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in _registry_processes(database):
        os.kill(pid, signal.SIGKILL)


def _registry_processes(database: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in arguments and any(database in argument for argument in arguments):
            found.append(int(entry.name))
    return found


def _is_fdpd(pid: int) -> bool:
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"fdpd" in command_line
