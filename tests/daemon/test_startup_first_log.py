"""The first command that needs fdpd's journal (`fdpctl log`: its operations, jobs and reruns)
is answered without the machinery behind other routes (issue 27: a first command in at most
0.5 s): listing jobs imports no run, push or rerun feature and no registry client (httpx), and
the update scheduler (APScheduler, the reader of remotes.yaml) starts after the first answers,
not before them; without a config.yaml PyYAML is not imported, nor ctypes before its first use.

fdpd's gate and daemon (`fdpd.server.gate`, `_build_daemon`) are driven as uvicorn drives them,
in a fresh interpreter: what it has imported once the three answers are in is what fdpd needed.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from fdpd.features.updates import scheduler
from tests.daemon.test_startup import NOT_AT_START
from tests.daemon.test_startup_gate import Asgi, _gate

LOG_ASKS = ("/v1/operations?limit=20", "/v1/jobs", "/v1/reruns")
NOT_FOR_THE_FIRST_LOG = (
    *(name for name in NOT_AT_START if not name.startswith("fdpd.api.")),  # routers: on demand
    "fdpd.features.rerun",
    "fdpd.features.updates.checks",
    "fdpd.remote.client",
    "apscheduler",
    "fdpd.remote.user_remotes",  # remotes.yaml: read when the scheduler starts
    "yaml",  # fdpd's config.yaml is read with it only when there is one
    "ctypes",  # libc's malloc_trim, sync_file_range and syncfs: looked up at their first use
)

PROBE = """
import asyncio, json, sys
from fdpd.features.updates import scheduler
from tests.daemon.test_startup_gate import Asgi, _gate

scheduler.START_DELAY = 3600  # however long the answers take, the scheduler starts after them

async def first_log(home):
    asgi = Asgi(_gate(home, lambda: None, []))
    await asgi.start()
    statuses = [(await asgi.get(path))[0] for path in {asks!r}]
    imported = sorted(sys.modules)
    await asgi.stop()
    asgi.app.app.state.context.journal.close()
    return statuses, imported

from pathlib import Path
print(json.dumps(asyncio.run(first_log(Path(sys.argv[1])))))
"""


def test_the_first_log_imports_neither_the_run_machinery_nor_the_scheduler(
    tmp_path: Path,
) -> None:
    probe = PROBE.format(asks=[path.split("?")[0] for path in LOG_ASKS])
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "home")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    statuses, imported = json.loads(done.stdout.splitlines()[-1])
    assert statuses == [200, 200, 200], done.stderr
    assert "fdpd.journal.database" in imported and "fdpd.api.jobs" in imported
    early = sorted(
        name
        for name in imported
        if any(name == heavy or name.startswith(f"{heavy}.") for heavy in NOT_FOR_THE_FIRST_LOG)
    )
    assert not early, f"fdpd imports {early} to answer its first `fdpctl log`"


@pytest.mark.parametrize("delay", [0.0, 3600.0])
def test_the_scheduler_starts_by_itself_after_the_delay_and_stops_with_fdpd(
    tmp_path: Path, delay: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler starts by itself (`START_DELAY` after fdpd is built), and a daemon stopped
    before then stops cleanly with it never started; `fdpctl schedule` meanwhile starts it."""
    monkeypatch.setattr(scheduler, "START_DELAY", delay)

    async def scenario() -> None:
        gate = _gate(tmp_path / "home", lambda: None, [])
        asgi = Asgi(gate)
        await asgi.start()
        status, _ = await asgi.get("/v1/daemon/status")
        assert status == 200
        assert gate.app is not None
        updates = gate.app.state.context.services.scheduler
        if delay:
            assert not updates.running
        else:  # the start-up hook's task starts it on its own
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while not updates.running and loop.time() < deadline:
                await asyncio.sleep(0.05)
            assert updates.running
        status, listed = await asgi.get("/v1/schedule")
        assert status == 200 and listed["jobs"] == [], listed
        assert updates.running
        assert await asgi.stop() == {"type": "lifespan.shutdown.complete"}
        assert not updates.running
        gate.app.state.context.journal.close()

    asyncio.run(scenario())
