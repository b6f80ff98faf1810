"""fdpd answers its ping as soon as its socket is bound, and builds the rest behind it (issue 27,
item 3): SQLAlchemy, SQLModel, FastAPI, pydantic and the scheduler are imported in the
background; no other request gets through before the journal's crash recovery has run.

The wall time is a benchmark (benchmarks/startup.py); these tests hold its cause (what fdpd
imports before it can answer) and the order start-up keeps (recovery before any request).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from fdpd.base.errors import FdpError
from fdpd.base.paths import resolve_locations
from fdpd.base.settings import load_settings
from fdpd.core.context import Listeners
from fdpd.journal import Journal
from fdpd.server.daemon import _build_daemon
from fdpd.server.gate import StartupGate
from tests.fdp_process import FdpInstance

# What fdpd must not need to bind its socket and answer its ping: they are imported in the
# background while it already answers.
NOT_BEFORE_THE_PING = (
    "sqlalchemy",
    "sqlmodel",
    "fastapi",
    "pydantic",
    "apscheduler",
    "httpx",
    "fdpregistry",
    "fdpd.journal.database",
    "fdpd.api",
)


def test_what_fdpd_imports_to_bind_and_answer_its_ping_leaves_out_the_heavy_parts() -> None:
    probe = (
        "import sys, fdpd.cli, fdpd.server.command, fdpd.server.daemon; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {NOT_BEFORE_THE_PING!r} "
        f"or m.startswith(('fdpd.journal.database', 'fdpd.api'))))"
    )

    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]", f"imported before fdpd can answer: {done.stdout}"


def test_a_request_reaches_the_daemon_only_after_its_journal_is_recovered(
    fdp: FdpInstance,
) -> None:
    fdp.locations.ensure()
    journal = Journal.open(fdp.locations.journal_path)
    left = journal.start_operation("pull", {})  # left running: what a killed fdpd leaves
    journal.close()

    daemon = fdp.spawn_daemon()
    deadline = time.monotonic() + 30
    while not _answers_ping(fdp):  # the first moment fdpd answers anything
        assert daemon.poll() is None and time.monotonic() < deadline, "fdpd did not answer"
        time.sleep(0.01)
    answer = fdp.request("GET", f"/v1/operations/{left.id}", timeout=30)

    assert answer.status == 200, answer.body
    assert json.loads(answer.body)["outcome"] == "interrupted"
    assert fdp.stop_daemon(daemon) == 0


def test_a_damaged_journal_still_stops_fdpd_before_it_answers(fdp: FdpInstance) -> None:
    """The journal file is readied before fdpd serves (`fdpd.journal.prepare`): a client starting
    fdpd hears why it cannot start, not a ping from an fdpd about to exit."""
    fdp.locations.ensure()
    fdp.locations.journal_path.write_bytes(b"not a database, " * 512)

    started = fdp.run_fdpctl("daemon", "start", timeout=60)

    assert started.returncode != 0, started.stdout
    assert "cannot open the journal" in started.stderr, started.stderr
    assert "Traceback" not in started.stderr


def _answers_ping(fdp: FdpInstance) -> bool:
    try:
        return fdp.request("GET", "/v1/ping", timeout=1).status == 200
    except OSError:
        return False


# In process: the gate itself, its daemon built by fdpd's own `_build_daemon` behind a latch the
# test opens (a build as slow as the test wants).


class Asgi:
    """Drive an ASGI app by hand: lifespan and plain GETs."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self.lifespan_in: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.lifespan_out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.lifespan: asyncio.Task[None] | None = None

    async def start(self) -> dict[str, Any]:
        self.lifespan = asyncio.create_task(
            self.app({"type": "lifespan"}, self.lifespan_in.get, self.lifespan_out.put)
        )
        await self.lifespan_in.put({"type": "lifespan.startup"})
        return await asyncio.wait_for(self.lifespan_out.get(), 10)

    async def stop(self) -> dict[str, Any]:
        await self.lifespan_in.put({"type": "lifespan.shutdown"})
        return await asyncio.wait_for(self.lifespan_out.get(), 30)

    async def get(self, path: str) -> tuple[int, Any]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"localhost")],
            "client": None,
            "server": None,
        }
        await self.app(scope, receive, send)
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return sent[0]["status"], json.loads(body)


def _gate(home: Path, build_first: Callable[[], None], stops: list[str]) -> StartupGate:
    locations = resolve_locations({"FDP_HOME": str(home)})
    locations.ensure()
    listeners = Listeners(socket_path=str(locations.socket_path))

    def build() -> FastAPI:
        build_first()
        return _build_daemon(locations, load_settings(locations), listeners, gate)

    gate = StartupGate(build, listeners.socket_path, request_stop=lambda: stops.append("stop"))
    return gate


def test_the_gate_answers_ping_while_building_and_the_rest_once_built(tmp_path: Path) -> None:
    latch = threading.Event()
    stops: list[str] = []
    gate = _gate(tmp_path / "home", lambda: latch.wait(30), stops)

    async def scenario() -> None:
        asgi = Asgi(gate)
        assert await asgi.start() == {"type": "lifespan.startup.complete"}
        status, ping = await asgi.get("/v1/ping")
        assert status == 200 and ping["socket"].endswith("fdpd.sock")
        waiting = asyncio.create_task(asgi.get("/v1/daemon/status"))
        await asyncio.sleep(0.2)
        assert not waiting.done() and not gate.ready, "a request got past an unbuilt daemon"
        latch.set()
        status, answer = await asyncio.wait_for(waiting, 30)
        assert status == 200 and answer["started"] == ping["started"], answer
        assert await asgi.stop() == {"type": "lifespan.shutdown.complete"}
        assert gate.app is not None
        gate.app.state.context.journal.close()

    asyncio.run(scenario())
    assert gate.failure is None and stops == []


def test_a_daemon_that_cannot_be_built_answers_503_and_stops_fdpd(tmp_path: Path) -> None:
    stops: list[str] = []

    def broken() -> None:
        raise FdpError("the settings went away", hint="put them back")

    gate = _gate(tmp_path / "home", broken, stops)

    async def scenario() -> None:
        asgi = Asgi(gate)
        await asgi.start()
        status, answer = await asyncio.wait_for(asgi.get("/v1/daemon/status"), 30)
        assert status == 503, answer
        assert answer["error"]["code"] == "unavailable"
        assert "the settings went away (put them back)" in answer["error"]["message"]
        await asgi.stop()

    asyncio.run(scenario())
    assert stops == ["stop"] and gate.failure is not None
