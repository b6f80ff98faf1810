"""A SLURM job whose node fails is recorded failed with SLURM's reason, and nothing it registered
can be committed: the real one-node cluster's node is set DOWN (`scontrol update
state=down`, as an administrator or slurmctld does when a node dies) while the job runs, and put
back into service (`state=resume`) whatever happens, since the other cluster tests share it.
fdp submits with `--no-requeue`: SLURM would otherwise requeue the job and run its script a second
time in the same job folder. Real SLURM, fdpd, registry and pyDataPipeline."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.conftest import Fdp, cluster_state, last_job_id, make_project
from tests.cluster.test_slurm_job import (
    CEILING,
    slurm_job_of,
    wait_for_squeue,
    wait_for_state,
    writes,
)
from tests.run.conftest import fdp_of_ana


def node_of(slurm_job: str) -> str:
    shown = subprocess.run(
        ["squeue", "-h", "-j", slurm_job, "-o", "%N"], capture_output=True, text=True, check=True
    )
    return shown.stdout.strip()


def wait_until_alone_on(node: str, slurm_job: str) -> None:
    """Until `slurm_job` is the only job running on `node`: setting the node DOWN ends every job
    on it (the other cluster tests wait for this one: `whole_slurm_node`; a job of theirs may
    still be ending)."""
    deadline = time.monotonic() + CEILING
    while time.monotonic() < deadline:
        running = subprocess.run(
            ["squeue", "-h", "-t", "RUNNING", "-w", node, "-o", "%i"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if running == [slurm_job]:
            return
        time.sleep(0.5)
    raise AssertionError(f"other jobs kept running on {node}: {running}")


@pytest.fixture(scope="module")
def fdp() -> Iterator[Fdp]:
    """An fdpd of this module's own: the failed job's records (its script's storage location,
    which later jobs of the same script share by content) stay out of the other cluster tests'
    fdpd."""
    with fdp_of_ana("fdp-nodefail-") as own:
        yield own


@pytest.fixture
def failing_node() -> Iterator[list[str]]:
    """The nodes a test sets DOWN: back in service at the end (the other tests need them)."""
    downed: list[str] = []
    yield downed
    for node in downed:
        # ReturnToService=2 may have resumed it already: then scontrol says the state is invalid
        subprocess.run(
            ["scontrol", "update", f"NodeName={node}", "State=RESUME"],
            capture_output=True,
            check=False,
        )
    deadline = time.monotonic() + CEILING
    while cluster_state() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert cluster_state() == "", cluster_state()


@pytest.mark.whole_slurm_node
def test_a_node_failure_is_recorded_failed_with_slurms_reason(
    fdp: Fdp, tmp_path: Path, failing_node: list[str]
) -> None:
    project = make_project(tmp_path / "node-fail", {"config.yaml": writes("cluster/node-fail")})
    env = {"MODEL_WRITES": "cluster/node-fail", "MODEL_PAUSE": "60"}
    detached = fdp.fdpctl(
        "run", "config.yaml", "--scheduler", "slurm", "--detach", cwd=project, env=env
    )
    assert detached.returncode == 0, detached.stderr
    job = last_job_id(fdp)
    folder = Path(fdp.job(job)["folder"])
    slurm_job = slurm_job_of(str(folder))
    wait_for_squeue(slurm_job, "RUNNING")
    deadline = time.monotonic() + CEILING  # the model has started (its API has the token)
    while not (folder / "slurm" / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    node = node_of(slurm_job)
    wait_until_alone_on(node, slurm_job)

    failing_node.append(node)
    subprocess.run(
        ["scontrol", "update", f"NodeName={node}", "State=DOWN", "Reason=fdp test: node failure"],
        check=True,
    )

    detail = wait_for_state(fdp, job, {"failed", "cancelled", "succeeded"})
    shown = subprocess.run(
        ["scontrol", "show", "job", "-o", slurm_job], capture_output=True, text=True, check=False
    ).stdout
    assert "JobState=NODE_FAIL" in shown, shown  # what SLURM itself says of the job
    assert "Reason=NodeDown" in shown, shown
    assert detail["state"] == "failed", detail
    reason = f"SLURM job {slurm_job} ended NODE_FAIL: its node failed (NodeDown)"
    assert reason in detail["warnings"], detail["warnings"]
    assert all(item["state"] == "failed" for item in detail["items"]), detail["items"]
    refused = fdp.fdpctl("commit", job)
    assert refused.returncode != 0, refused.stdout
    assert not [i for i in fdp.job(job)["items"] if i["state"] == "committed"]
    assert not (folder / "slurm" / "token").exists()
