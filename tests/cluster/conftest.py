"""A real one-node SLURM cluster (scripts/slurm-one-node.sh, started by .ci/run) and the real fdpd
of tests/run (own FDP_HOME, user `ana`, pyDataPipeline models). Without a cluster the tests skip,
saying why; with FDP_TEST_SLURM=1 (CI started one) a missing cluster is a failure instead."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.push.processes import Remote, Site, ana, remote
from tests.run.conftest import Fdp, fdp, last_job_id, make_project

SCRIPT = "scripts/slurm-one-node.sh"
NODE_LOCK = Path(tempfile.gettempdir()) / "fdp-tests-slurm-node.lock"


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


@pytest.fixture(autouse=True)
def share_the_node(request: pytest.FixtureRequest) -> Iterator[None]:
    """Cluster tests share the one node (`pytest -n`: several at once), except one marked
    `whole_slurm_node`, which sets the node DOWN: it runs alone, whichever worker runs it (an
    flock, shared or exclusive, released if the worker dies)."""
    whole = request.node.get_closest_marker("whole_slurm_node") is not None
    with NODE_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if whole else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


__all__ = ["Fdp", "Remote", "Site", "ana", "fdp", "last_job_id", "make_project", "remote"]
