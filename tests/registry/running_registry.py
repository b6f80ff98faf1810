"""Start a real `fdpd registry serve` process on a free loopback port, and stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import free_port

FDPD = Path(sys.executable).with_name("fdpd")
START_TIMEOUT_SECONDS = 30.0
WORKER_START_TIMEOUT_SECONDS = 30.0  # more per worker: each is a new interpreter importing fdpd


@dataclass(frozen=True)
class RunningRegistry:
    process: subprocess.Popen[bytes]
    base_url: str  # http://host:port, no trailing slash
    admin_token: str | None
    log_path: Path
    database_url: str

    @property
    def api(self) -> str:
        return self.base_url + "/api/"

    def admin_headers(self) -> dict[str, str]:
        assert self.admin_token is not None
        return {"Authorization": f"token {self.admin_token}"}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def add_user(self, name: str) -> str:
        """A new user of this (shared) registry, through `fdpd registry add-user`; its token."""
        return add_registry_user(self.database_url, name)

    # `httpx.get`... as `InProcessRegistry` has them, so a test runs against either
    def get(self, url: str, **options: Any) -> httpx.Response:
        return httpx.get(url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return httpx.post(url, **options)

    def put(self, url: str, **options: Any) -> httpx.Response:
        return httpx.put(url, **options)


def add_registry_user(database_url: str, name: str) -> str:
    """`fdpd registry add-user NAME --database URL`: the new user's token."""
    added = subprocess.run(
        [str(FDPD), "registry", "add-user", name, "--database", database_url],
        check=True,
        capture_output=True,
        text=True,
    )
    return added.stdout.strip()


def registry_command(
    port: int,
    database_url: str,
    *,
    host: str = "127.0.0.1",
    admin_token_file: Path | None = None,
    data_store: str | None = None,
    shared: bool = False,
    file_roots: tuple[Path, ...] = (),
    access_log: bool = False,
    workers: int = 1,
) -> list[str]:
    command = [str(FDPD), "registry", "serve", "--host", host, "--port", str(port)]
    command += ["--database", database_url]
    if admin_token_file is not None:
        command += ["--admin-token-file", str(admin_token_file)]
    if data_store is not None:
        command += ["--data-store", data_store]
    if shared:
        command.append("--shared")
    for folder in file_roots:
        command += ["--file-root", str(folder)]
    if access_log:
        command.append("--access-log")
    if workers > 1:
        command += ["--workers", str(workers)]
    return command


@contextmanager
def running_registry(
    workdir: Path,
    *,
    database_url: str | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    with_admin_token: bool = True,
    data_store: str | None = None,
    shared: bool = False,
    env: dict[str, str] | None = None,
    file_roots: tuple[Path, ...] = (),
    access_log: bool = False,
    workers: int = 1,
) -> Iterator[RunningRegistry]:
    """A registry process answering on `host:port` for the duration of the block; with
    `access_log`, its log (`RunningRegistry.log()`) has a line per request."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    database_url = database_url or f"sqlite:///{workdir / 'registry.db'}"
    token_file = workdir / "admin-token" if with_admin_token else None
    command = registry_command(
        port,
        database_url,
        host=host,
        admin_token_file=token_file,
        data_store=data_store,
        shared=shared,
        file_roots=file_roots,
        access_log=access_log,
        workers=workers,
    )
    log_path = workdir / f"registry-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=workers > 1,  # a group of its own: the workers go with it
        )
    url_host = f"[{host}]" if ":" in host else host
    base_url = f"http://{url_host}:{port}"
    try:
        timeout = START_TIMEOUT_SECONDS + WORKER_START_TIMEOUT_SECONDS * (workers - 1)
        _wait_until_answering(process, base_url, log_path, timeout)
        token = token_file.read_text().strip() if token_file else None
        yield RunningRegistry(process, base_url, token, log_path, database_url)
    finally:
        _stop(process, workers)


def _stop(process: subprocess.Popen[bytes], workers: int) -> None:
    """SIGTERM (the parent stops its workers), then SIGKILL for the whole group."""
    process.terminate()
    try:
        process.wait(timeout=10 * workers)
    except subprocess.TimeoutExpired:
        if workers > 1:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()


def _wait_until_answering(
    process: subprocess.Popen[bytes], base_url: str, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"registry exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(base_url + "/fdp/identity", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"registry did not answer within {timeout:g}s:\n{log.read_text()}")
