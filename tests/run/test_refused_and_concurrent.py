"""Runs that are refused or fail leave fdp consistent and can simply be run again; jobs whose
scripts are byte-identical start together with the real pyDataPipeline without tripping over
each other's script registration. An fdpd of its own, so its data store starts empty."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.run.conftest import USER, Fdp, make_project

MISSING_INPUT = """\
run_metadata:
  description: reads what is not there
  script: echo should not run
read:
  - data_product: nowhere/input
    version: 9.9.9
"""
FAILING = "run_metadata:\n  description: fails\n  script: echo ran-{n}; exit 3\n"
WORKS = "run_metadata:\n  description: works\n  script: echo ran-{n}\n"

# initialise + finalise only, all jobs released at the same instant (START_AT).
INIT_ONLY = """\
import os, time
import data_pipeline_api as pipeline
while time.time() < float(os.environ["START_AT"]):
    time.sleep(0.001)
token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])
pipeline.finalise(token, handle)
"""
TOGETHER = 4


@pytest.fixture(scope="module")
def fdp() -> Iterator[Fdp]:
    home = Path(tempfile.mkdtemp(prefix="fdp-rr-", dir="/tmp"))
    try:
        path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
        with FdpInstance(home, extra) as instance:
            instance.start_daemon()
            shared = Fdp(instance, home / "store")
            setup = shared.fdpctl("config", USER, "--data-store", str(shared.store))
            assert setup.returncode == 0, setup.stderr
            yield shared
            instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def snapshot(fdp: Fdp) -> tuple[int, int, int, list[str]]:
    """Jobs in the journal, storage locations and code runs in the registry, store contents."""
    jobs = len(fdp.get("/v1/jobs?limit=1000")["jobs"])
    store = sorted(str(p.relative_to(fdp.store)) for p in fdp.store.rglob("*"))
    return jobs, len(fdp.registry("storage_location")), len(fdp.registry("code_run")), store


def test_refused_and_failed_runs_leave_nothing_inconsistent(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "p",
        {"missing.yaml": MISSING_INPUT, "fails.yaml": FAILING.format(n=1)},
    )
    before = snapshot(fdp)
    refused = fdp.fdpctl("run", "missing.yaml", cwd=project)
    assert refused.returncode == 1 and "nowhere/input" in refused.stderr
    status, answer = fdp.post("/v1/working-config", {"config_path": str(project / "missing.yaml")})
    assert status >= 400 and "nowhere/input" in answer["error"]["message"]
    assert snapshot(fdp) == before  # not even an empty jobs/ folder
    assert not (fdp.store / "jobs").exists()

    failed = fdp.fdpctl("run", "fails.yaml", cwd=project)
    assert failed.returncode == 4 and "ran-1" in failed.stdout
    job = fdp.get("/v1/jobs?limit=1")["jobs"][0]
    assert job["state"] == "failed"
    # fdpd registered the job's script before it ran; the failed job owns it as a leftover
    items = fdp.job(job["id"])["items"]
    assert [(i["type"], i["state"]) for i in items] == [("storage_location", "failed")]
    gc = fdp.fdpctl("gc")
    assert gc.returncode == 0, gc.stderr
    # the script's file stays without --files, and so does the location naming it
    assert snapshot(fdp)[1:3] == (before[1] + 1, before[2])
    gc = fdp.fdpctl("gc", "--files")
    assert gc.returncode == 0, gc.stderr
    assert snapshot(fdp)[1:3] == before[1:3]  # gc took the leftover: registry as before

    again = fdp.fdpctl("run", "fails.yaml", cwd=project)  # the same run again: the same outcome
    assert again.returncode == 4 and "ran-1" in again.stdout
    (project / "fails.yaml").write_text(WORKS.format(n=1))
    fixed = fdp.fdpctl("run", "--dirty", "fails.yaml", cwd=project)
    assert fixed.returncode == 0, fixed.stderr
    assert fdp.get("/v1/jobs?limit=1")["jobs"][0]["state"] == "succeeded"


def test_jobs_with_identical_scripts_start_together(fdp: Fdp, tmp_path: Path) -> None:
    """The real pyDataPipeline, TOGETHER jobs prepared over the socket (the way a language
    API client asks), their byte-identical scripts released at the same instant, twice."""
    project = make_project(tmp_path / "p", {})
    (project / "init.py").write_text(INIT_ONLY)
    for round_ in range(2):
        config = f"run_metadata:\n  description: race\n  script: python3 init.py {round_}\n"
        jobs = [prepare(fdp, project, config) for _ in range(TOGETHER)]
        scripts = {Path(job["script_path"]).read_bytes() for job in jobs}
        assert len(scripts) == 1
        start = time.time() + 1.5
        procs = [launch(fdp, job, start) for job in jobs]
        outcomes = [(*proc.communicate(timeout=120), proc.returncode) for proc in procs]
        for _, err, status in outcomes:
            assert status == 0, err[-2000:]
        digest = hashlib.sha1(scripts.pop()).hexdigest()
        assert len(fdp.registry("storage_location", hash=digest)) == 1
        runs = [Path(job["job_folder"], "coderuns.txt").read_text().split() for job in jobs]
        objects = {fdp.registry("code_run", uuid=r[0])[0]["submission_script"] for r in runs}
        assert len(objects) == TOGETHER  # one submission script object per run


def prepare(fdp: Fdp, project: Path, config: str) -> dict[str, str]:
    body = {"config_text": config, "config_dir": str(project), "dirty": True}
    status, answer = fdp.post("/v1/working-config", body)
    assert status == 200, answer
    return dict(answer)


def launch(fdp: Fdp, job: dict[str, str], start: float) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "FDP_CONFIG_DIR": job["job_folder"],
        "FDP_CONFIG_NAME": "config.yaml",
        "FDP_SCRIPT": job["script_path"],
        "FDP_LOCAL_TOKEN": fdp.token(),
        "START_AT": str(start),
    }
    return subprocess.Popen(
        [sys.executable, "init.py"],
        cwd=job["cwd"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
