"""A SLURM run that cannot be placed says why before anything is prepared or submitted: no
`sbatch` on the run's PATH, a partition the cluster does not have, `--sbatch` on a local run,
options fdpd sets itself, a node that cannot reach a loopback registry. No job folder, no SLURM
job."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.cluster.conftest import Fdp, make_project
from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FDPD, FdpInstance
from tests.run.conftest import job_folders

CONFIG = """\
run_metadata:
  description: never placed
  script: python3 model.py
"""


def queued(under: Path) -> list[str]:
    """The SLURM jobs that run in a folder under `under` (fdp submits with `--chdir`, the
    project folder): other tests may submit jobs of their own meanwhile (`pytest -n 2`)."""
    lines = subprocess.run(
        ["squeue", "-h", "-o", "%i %Z"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    jobs = [line.split(" ", 1) for line in lines if " " in line]
    return [job for job, folder in jobs if Path(folder).is_relative_to(under)]


def refused(fdp: Fdp, tmp_path: Path, *args: str, path: str | None = None) -> str:
    project = make_project(tmp_path / "refused", {"config.yaml": CONFIG})
    before, queue = job_folders(fdp.store), queued(tmp_path)
    env = {"PATH": path} if path is not None else None
    result = fdp.fdpctl("run", "config.yaml", *args, cwd=project, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert job_folders(fdp.store) == before and queued(tmp_path) == queue
    assert "Traceback" not in result.stderr and "internal" not in result.stderr
    return result.stderr


def test_no_sbatch_on_path(fdp: Fdp, tmp_path: Path) -> None:
    said = refused(fdp, tmp_path, "--scheduler", "slurm", path=str(FDPCTL.parent))
    assert "--scheduler slurm: `sbatch` is not on PATH, so no job can be submitted" in said
    assert "login node" in said


def test_a_partition_the_cluster_does_not_have(fdp: Fdp, tmp_path: Path) -> None:
    said = refused(fdp, tmp_path, "--scheduler", "slurm", "--sbatch=--partition=nosuchpartition")
    assert "SLURM refused the job's options --partition=nosuchpartition: " in said
    assert "invalid partition" in said.lower() and "nothing was submitted" in said


def test_sbatch_options_need_the_slurm_scheduler(fdp: Fdp, tmp_path: Path) -> None:
    said = refused(fdp, tmp_path, "--scheduler", "local", "--sbatch=--mem=1G")
    assert "--sbatch needs --scheduler slurm" in said


def test_sbatch_options_fdp_sets_itself_are_refused(fdp: Fdp, tmp_path: Path) -> None:
    said = refused(fdp, tmp_path / "array", "--scheduler", "slurm", "--sbatch=--array=1-3")
    assert "sbatch option --array=1-3 is not for fdp's SLURM jobs: it would run this one" in said
    said = refused(fdp, tmp_path / "output", "--scheduler", "slurm", "--sbatch=-o/tmp/x.log")
    assert "sbatch option -o/tmp/x.log is not for fdp's SLURM jobs" in said


def test_a_job_on_another_node_than_a_loopback_registry_is_refused(tmp_path: Path) -> None:
    """fdpd on a "login node": a UTS namespace (`unshare --uts`) names its machine `login1`,
    while SLURM still places jobs on this machine's node; a registry on 127.0.0.1 would not be
    reachable from there, and fdpd says so before anything is submitted."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare(1) for a UTS namespace")
    home = tmp_path / "home"
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    with FdpInstance(home, {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}) as instance:
        login_node = ["unshare", "--uts", "sh", "-c", f"hostname login1 && exec {FDPD}"]
        daemon = instance.start_daemon(command=login_node)
        store = tmp_path / "store"
        setup = instance.run_fdpctl("config", "ana", "--data-store", str(store), "--name", "Ana")
        assert setup.returncode == 0, setup.stderr
        project = make_project(tmp_path / "project", {"config.yaml": CONFIG})
        queue = queued(tmp_path)
        result = subprocess.run(
            [str(FDPCTL), "run", "config.yaml", "--scheduler", "slurm"],
            cwd=project,
            env=instance.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        node = socket.gethostname().split(".")[0]
        assert (
            f"SLURM would start the job on {node}, but the local registry listens on 127.0.0.1 "
            "(this machine only): the job could not record its run" in result.stderr
        )
        assert "nothing was submitted" in result.stderr
        assert queued(tmp_path) == queue and not (store / "jobs").exists()
        instance.stop_daemon(daemon)  # not `fdpctl daemon stop`: it waits 10 s for the zombie


def test_an_array_needs_slurm_and_a_good_spec(fdp: Fdp, tmp_path: Path) -> None:
    said = refused(fdp, tmp_path / "local", "--scheduler", "local", "--array", "1-3")
    assert "--array needs --scheduler slurm (this run is local)" in said
    said = refused(fdp, tmp_path / "spec", "--scheduler", "slurm", "--array", "3-1")
    assert "--array 3-1: 3-1 is an empty range" in said


def test_requeue_is_refused_since_a_requeued_job_would_run_twice(fdp: Fdp, tmp_path: Path) -> None:
    said = refused(fdp, tmp_path / "requeue", "--scheduler", "slurm", "--sbatch=--requeue")
    assert (
        "sbatch option --requeue is not for fdp's SLURM jobs: fdp records a job's script " in said
    )
    assert "--no-requeue" in said
