"""The real fdpctl code in the test process: `fdpctl.cli.main` with its output captured, talking
to an fdp in process (tests/inprocess.py) over a socket pair instead of fdpd's Unix socket.

fdpctl is standard library only and reads its environment and working directory from the
process, so both are set for the call. Its connection to fdpd is the one seam: `DaemonClient`'s
`_connect` gets one end of a socket pair whose other end a thread serves with the daemon app
(the request's bytes parsed, the app called over ASGI, the answer written back as HTTP/1.1), so
everything fdpctl does with an answer (status, headers, NDJSON events, rendering, exit status)
is what it does with fdpd's. What the real programs prove (a socket's access, autostart,
signals) stays in the tests that start them."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from unittest import mock

import httpx

from fdpctl.cli import Invocation, main
from fdpctl.transport import DaemonClient
from tests.inprocess import DAEMON_BASE, InProcessDaemon


class Finished(Protocol):
    """An fdpctl run's end: `subprocess.CompletedProcess` or the in-process `Ran`."""

    @property
    def returncode(self) -> int: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...


@dataclass(frozen=True)
class Ran:
    """What a run of fdpctl gave, as `subprocess.CompletedProcess` has it (not used here: the
    test tree's process marker would take its module for one that starts processes)."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in [name for name in os.environ if name.startswith("FDP_")]:
            del os.environ[name]
        os.environ.update(values)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _main(args: tuple[str, ...], environment: Mapping[str, str], cwd: Path | None) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_environment(environment))
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's --help and usage errors
            code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    return Ran(args, code, out.getvalue(), err.getvalue())


def fdpctl_main(*args: str, home: Path, columns: int = 100) -> Ran:
    """`fdpctl ARGS` with FDP_HOME `home` and no fdpd (for what needs none: help, usage); a
    command that would start fdpd fails the test instead (`fdpctl_in` gives it one)."""
    environment = {
        "FDP_HOME": str(home),
        "FDP_SOCKET": str(home / "none.sock"),
        "COLUMNS": str(columns),
    }

    def no_daemon(_invocation: Invocation) -> None:
        raise AssertionError(f"fdpctl {' '.join(args)} asks fdpd: use fdpctl_in")

    with mock.patch.object(Invocation, "_start_daemon", no_daemon):
        return _main(args, environment, None)


def fdpctl_in(
    daemon: InProcessDaemon,
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Ran:
    """`fdpctl ARGS` in `cwd` with `env` added, answered by `daemon`'s app."""
    servers: list[threading.Thread] = []

    def connect(_client: DaemonClient, _timeout: float | None) -> socket.socket:
        near, far = socket.socketpair()
        server = threading.Thread(target=_serve, args=(daemon, far), daemon=True)
        server.start()
        servers.append(server)
        return near

    environment = {"COLUMNS": "100", **(env or {}), "FDP_HOME": str(daemon.home)}
    try:
        with mock.patch.object(DaemonClient, "_connect", connect):
            return _main(args, environment, cwd)
    finally:
        for server in servers:
            server.join(timeout=60)


def _serve(daemon: InProcessDaemon, sock: socket.socket) -> None:
    """Read one HTTP/1.1 request from `sock`, answer it with the daemon app, close."""
    with sock, sock.makefile("rb") as reader:
        method, target, _ = reader.readline().decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (line := reader.readline().decode("latin-1").strip()) != "":
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        headers.pop("connection", None)

        async def forward() -> httpx.Response:
            transport = httpx.ASGITransport(app=daemon.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url=DAEMON_BASE) as client:
                answer = await client.request(method, target, headers=headers, content=body)
                await answer.aread()
                return answer

        answer: httpx.Response = daemon.run(forward())
        kept = [
            f"{name}: {value}"
            for name, value in answer.headers.multi_items()
            if name.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        head = [f"HTTP/1.1 {answer.status_code} {answer.reason_phrase}", *kept]
        head += [f"Content-Length: {len(answer.content)}", "Connection: close"]
        with contextlib.suppress(OSError):  # fdpctl may have stopped reading
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + answer.content)
