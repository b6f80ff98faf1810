"""An fdp in process whose local registry a model's process can reach: the registry app of
`daemon_in_process` (tests/inprocess.py) also served over HTTP on loopback by uvicorn in a
thread of the test process, at the URL fdpd gives a job (`FDP_LOCAL_REGISTRY_URL`...).

fdpd's own requests still go to the app in process (through the seam); the language API in the
model's process (a real pyDataPipeline, started by fdpd's job runner as in production) reads and
writes over the socket. No fdpd and no registry process: what such tests prove about a model run
is what a run proves, what they prove about fdpd is what its code does."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from fdpd.base.settings import DaemonSettings
from tests.conftest import free_port
from tests.inprocess import InProcessDaemon, daemon_in_process

READY_WITHIN = 60.0  # seconds: a ceiling for uvicorn to bind, far above what it takes


@contextlib.contextmanager
def serving(app: FastAPI, port: int) -> Iterator[None]:
    """`app` on http://127.0.0.1:`port` (uvicorn in a thread) until the block ends."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"registry:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + READY_WITHIN
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(READY_WITHIN)


@contextlib.contextmanager
def daemon_with_served_registry(
    home: Path, settings: DaemonSettings | None = None
) -> Iterator[InProcessDaemon]:
    """`daemon_in_process` whose local registry is also served on a free loopback port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        daemon_in_process(home, settings, registry_base=base) as daemon,
        serving(daemon.registry.app, port),
    ):
        yield daemon
