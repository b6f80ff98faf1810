"""The real reference FAIR data registry (FAIRDataPipeline/data-registry) for tests, started with
FDP_TEST_REFREG_SCRIPT on a free loopback port with a fresh folder, optionally storing files in
S3 on a loopback moto server (the reference's remote mode).

    with reference_registry(s3=True) as ref:
        httpx.get(ref.api_url, headers=ref.headers)

Without FDP_TEST_REFREG_SRC / _VENV / _SCRIPT the test is skipped (in CI it fails).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

ENV_NAMES = ("FDP_TEST_REFREG_SRC", "FDP_TEST_REFREG_VENV", "FDP_TEST_REFREG_SCRIPT")
START_TIMEOUT = 180.0


@dataclass(frozen=True)
class ReferenceRegistry:
    """A running reference registry: its API root, admin token, folder and optional S3 endpoint."""

    port: int
    token: str
    directory: Path
    pid: int
    s3_url: str | None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}", "Accept": "application/json; version=1.0.0"}

    def count(self, kind: str) -> int:
        """How many records of `kind` (e.g. "code_run") the registry holds."""
        answer = httpx.get(f"{self.api_url}{kind}/", headers=self.headers, timeout=30)
        answer.raise_for_status()
        return int(answer.json()["count"])

    def log(self) -> str:
        """The runserver access and error log (one line per request)."""
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


def reference_settings() -> tuple[Path, Path, Path]:
    """(source clone, venv, start script) from the environment, or skip with the reason."""
    values = [os.environ.get(name, "") for name in ENV_NAMES]
    missing = [name for name, value in zip(ENV_NAMES, values, strict=True) if not value]
    if missing:
        reason = f"{', '.join(missing)} not set (bash .ci/run sets up the reference registry)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    source, venv, script = (Path(value) for value in values)
    if not (venv / "bin" / "python").exists():
        pytest.skip(f"no reference registry venv at {venv} (run: {script} build)")
    return source, venv, script


@contextmanager
def moto_s3() -> Iterator[str]:
    """A loopback moto S3 server (the test venv's moto_server); yields its endpoint URL."""
    binary = Path(sys.executable).parent / "moto_server"
    if not binary.exists():
        pytest.skip(f"no moto_server next to {sys.executable}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_answering(url, process)
        yield url
    finally:
        _stop(process)


@contextmanager
def reference_registry(
    *, s3: bool = False, extra_env: dict[str, str] | None = None
) -> Iterator[ReferenceRegistry]:
    """Start a fresh reference registry (with S3 on a moto server when `s3`); stop it afterwards."""
    source, venv, script = reference_settings()
    if s3:
        with moto_s3() as s3_url, _started(source, venv, script, s3_url, extra_env) as registry:
            yield registry
    else:
        with _started(source, venv, script, None, extra_env) as registry:
            yield registry


@contextmanager
def _started(
    source: Path, venv: Path, script: Path, s3_url: str | None, extra_env: dict[str, str] | None
) -> Iterator[ReferenceRegistry]:
    directory = Path(tempfile.mkdtemp(prefix="refreg-", dir="/tmp"))
    port = free_port()
    env = {
        **os.environ,
        "REFREG_SRC": str(source),
        "REFREG_VENV": str(venv),
        "REFREG_DIR": str(directory),
        "REFREG_PORT": str(port),
        **({"REFREG_S3_URL": s3_url} if s3_url else {}),
        **(extra_env or {}),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        ["bash", str(script), "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"reference registry did not start: {done.stderr.strip()[-2000:]}")
    pid_text, token = done.stdout.strip().splitlines()[-1].split()
    registry = ReferenceRegistry(port, token, directory, int(pid_text), s3_url)
    try:
        yield registry
    finally:
        _kill(registry.pid)
        shutil.rmtree(directory, ignore_errors=True)


def _wait_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url}: no answer after 30 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
