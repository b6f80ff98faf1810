"""A real fdpd (own FDP_HOME, registry on a free port) with user `ana` set up by
`fdpctl config`, and real git projects that run real pyDataPipeline models."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance, json_lines

USER = "ana"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ana Example",
    "GIT_AUTHOR_EMAIL": "ana@example.org",
    "GIT_COMMITTER_NAME": "Ana Example",
    "GIT_COMMITTER_EMAIL": "ana@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
ACCEPT = {"Accept": "application/json; version=1.0.0"}

# A model in the style of the contract's example: reads every read alias, writes every write
# alias (MODEL_WRITES, comma-separated), waits MODEL_PAUSE seconds, finalises.
MODEL = """\
import os, sys, time
import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])
for alias in filter(None, os.environ.get("MODEL_READS", "").split(",")):
    with open(pipeline.link_read(handle, alias)) as f:
        print(f"read {alias}: {f.read().strip()}")
for alias in filter(None, os.environ.get("MODEL_WRITES", "").split(",")):
    with open(pipeline.link_write(handle, alias), "w") as f:
        f.write(f"{alias},{os.environ.get('MODEL_VALUE', '1')}\\n")
time.sleep(float(os.environ.get("MODEL_PAUSE", "0")))
if os.environ.get("MODEL_FAIL"):
    print("failing on purpose", flush=True)
    sys.exit(int(os.environ["MODEL_FAIL"]))
pipeline.finalise(token, handle)
print("finalised")
"""


class Fdp:
    """The shared instance: fdpctl, raw daemon requests, the registry, the journal's view."""

    def __init__(self, instance: FdpInstance, store: Path) -> None:
        self.instance = instance
        self.store = store
        self.registry_url = f"http://127.0.0.1:{instance.env['FDP_REGISTRY_PORT']}/api/"

    def fdpctl(
        self, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(FDPCTL), *args],
            cwd=cwd,
            env={**self.instance.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        answer = self.instance.post_json(path, body)
        return answer.status, answer.json()

    def get(self, path: str) -> Any:
        answer = self.instance.request("GET", path)
        assert answer.status == 200, answer.body
        return answer.json()

    def job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self.get(f"/v1/jobs/{job_id}")
        return job

    def registry(self, table: str, **params: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.registry_url}{table}/", params=params, headers=ACCEPT)
        assert answer.status_code == 200, answer.text
        results: list[dict[str, Any]] = answer.json()["results"]
        return results

    def token(self) -> str:
        return (self.instance.home / "data" / "tokens" / f"{USER}.token").read_text().strip()


@contextlib.contextmanager
def fdp_of_ana(prefix: str, scratch: bool = False) -> Iterator[Fdp]:
    """A real fdpd in a new FDP_HOME under /tmp with user ana (data store `<home>/store`); with
    `scratch`, fdpd's TMPDIR is `<home>/tmp`, so a test sees the scratch areas it leaves."""
    home = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    store = home / "store"
    try:
        # the models run with fdpctl's environment: this virtualenv's python3 first on PATH
        path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
        if scratch:
            (home / "tmp").mkdir()
            extra["TMPDIR"] = str(home / "tmp")
        with FdpInstance(home, extra) as instance:
            instance.start_daemon()
            shared = Fdp(instance, store)
            setup = shared.fdpctl("config", USER, "--data-store", str(store), "--name", "Ana")
            assert setup.returncode == 0, setup.stderr
            yield shared
            instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="package")
def fdp() -> Iterator[Fdp]:
    with fdp_of_ana("fdp-run-") as shared:
        yield shared


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def make_project(
    root: Path, configs: Mapping[str, str], *, commit: bool = True, remote: str | None = None
) -> Path:
    """A project folder holding `configs` (name → text) and `model.py`, committed if `commit`."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in configs.items():
        (root / name).write_text(text)
    (root / "model.py").write_text(MODEL)
    if commit:
        git(root, "init", "-q", "-b", "main")
        if remote:
            git(root, "remote", "add", "origin", remote)
        git(root, "add", ".")
        git(root, "commit", "-q", "-m", "model")
    return root


def job_folders(store: Path) -> set[Path]:
    """The job folders in a data store (none when a refused run left no `jobs/` at all)."""
    jobs = store / "jobs"
    return set(jobs.iterdir()) if jobs.exists() else set()


def last_job_id(fdp: Fdp) -> str:
    job_id: str = fdp.get("/v1/jobs?limit=1")["jobs"][0]["id"]
    return job_id


__all__ = ["Fdp", "git", "job_folders", "json_lines", "last_job_id", "make_project"]
