"""A real fdpd with user `ana`, and git projects whose real pyDataPipeline models `fdpctl run`
runs and `fdpctl rerun` runs again. fdpd's TMPDIR is its own, so a test sees the scratch areas
a rerun leaves (none)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.run.conftest import Fdp, fdp_of_ana, git

# Reads every alias in MODEL_READS and writes, to every alias in MODEL_WRITES, the alias, the
# inputs' text and MODEL_VALUE: the same inputs and value give the same bytes.
MODEL = """\
import os
import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])
text = ""
for alias in filter(None, os.environ.get("MODEL_READS", "").split(",")):
    with open(pipeline.link_read(handle, alias)) as f:
        text += f.read()
for alias in filter(None, os.environ.get("MODEL_WRITES", "").split(",")):
    with open(pipeline.link_write(handle, alias), "w") as f:
        f.write(f"alias,{alias}\\nvalue,{os.environ.get('MODEL_VALUE', '1')}\\n{text}")
pipeline.finalise(token, handle)
print("finalised")
"""

# Writes a fixed header, then the time: never the same twice.
CLOCK = """\
import os, time
import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])
with open(pipeline.link_write(handle, "rr/fixed"), "w") as f:
    f.write("constant,1\\n")
with open(pipeline.link_write(handle, "rr/clock"), "w") as f:
    f.write(f"made,at\\ntime,{time.time_ns()}\\n")
pipeline.finalise(token, handle)
print("finalised")
"""


@pytest.fixture(scope="package")
def fdp() -> Iterator[Fdp]:
    with fdp_of_ana("fdp-rerun-test-", scratch=True) as shared:
        yield shared


def scratch_areas(fdp: Fdp) -> list[Path]:
    """The scratch areas of reruns left in fdpd's TMPDIR."""
    return sorted((fdp.instance.home / "tmp").glob("fdp-rerun-*"))


def project(root: Path, configs: Mapping[str, str], *, remote: str | None = None) -> Path:
    """A committed git project holding `configs`, `model.py` and `clock.py`."""
    root.mkdir(parents=True)
    for name, text in configs.items():
        (root / name).write_text(text)
    (root / "model.py").write_text(MODEL)
    (root / "clock.py").write_text(CLOCK)
    git(root, "init", "-q", "-b", "main")
    if remote:
        git(root, "remote", "add", "origin", remote)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "model")
    return root


def run(fdp: Fdp, root: Path, config: str, **env: str) -> dict[str, object]:
    """`fdpctl run CONFIG` (it must succeed); the job's record."""
    done = fdp.fdpctl("run", config, cwd=root, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    job_id = fdp.get("/v1/jobs?limit=1")["jobs"][0]["id"]
    return fdp.job(job_id)


def rerun(fdp: Fdp, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return fdp.fdpctl("rerun", *args, env=env)


def counts(fdp: Fdp) -> dict[str, int]:
    """How many records of each kind a rerun could add."""
    tables = ("code_run", "data_product", "object", "storage_location")
    return {table: len(fdp.registry(table)) for table in tables}


__all__ = ["Fdp", "counts", "git", "project", "rerun", "run", "scratch_areas"]


@contextlib.contextmanager
def git_server(base: Path) -> Iterator[str]:
    """A real `git daemon` serving the bare repositories in `base` (push included) on loopback;
    yields its `git://` URL prefix. A project whose origin is a local path records no code
    address (`no-remote:`), so the code others can clone needs a served URL like this one."""
    base.mkdir(parents=True, exist_ok=True)
    port = free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
         f"--base-path={base}", "--listen=127.0.0.1", f"--port={port}", str(base)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert daemon.poll() is None and time.monotonic() < deadline, "git daemon did not start"
            time.sleep(0.05)
        yield f"git://127.0.0.1:{port}"
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
