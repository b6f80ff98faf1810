"""A real one-node SLURM cluster (scripts/slurm-one-node.sh, started by .ci/run) and the real fdpd
of tests/run (own FDP_HOME, user `ana`, pyDataPipeline models). Without a cluster the tests skip,
saying why; with FDP_TEST_SLURM=1 (CI started one) a missing cluster is a failure instead."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.push.processes import Remote, Site, ana, remote
from tests.run.conftest import Fdp, fdp, last_job_id, make_project

SCRIPT = "scripts/slurm-one-node.sh"


def cluster_state() -> str:
    """Why there is no usable cluster, or "" when `sinfo` shows an idle node."""
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        return f"no SLURM here (sbatch/sinfo not on PATH); {SCRIPT} starts a one-node cluster"
    answer = subprocess.run(
        ["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=30, check=False
    )
    states = answer.stdout.split()
    if answer.returncode != 0 or not any(s.startswith(("idle", "mix", "alloc")) for s in states):
        said = (answer.stderr or answer.stdout).strip()
        return f"no SLURM node is up ({said or 'sinfo shows none'}); run {SCRIPT}"
    return ""


@pytest.fixture(scope="session", autouse=True)
def slurm_cluster() -> None:
    missing = cluster_state()
    if missing and os.environ.get("FDP_TEST_SLURM") == "1":
        pytest.fail(f"FDP_TEST_SLURM=1 but {missing}")
    if missing:
        pytest.skip(missing)


__all__ = ["Fdp", "Remote", "Site", "ana", "fdp", "last_job_id", "make_project", "remote"]
