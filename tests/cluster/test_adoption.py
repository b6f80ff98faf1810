"""fdpd restarted (or killed) while its SLURM jobs are queued or running: SLURM runs them on,
the local registry stays up for them, and the next fdpd adopts them from their job folders
(`slurm/following`) and records them as the first would have; a job that ended meanwhile is
recorded at once, with SLURM's reason. Real SLURM, fdpd, registry and pyDataPipeline."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.conftest import Fdp, last_job_id, make_project
from tests.cluster.test_slurm_job import (
    CEILING,
    slurm_job_of,
    squeue_state,
    wait_for_squeue,
    writes,
)
from tests.run.conftest import fdp_of_ana


@pytest.fixture(scope="module")
def own() -> Iterator[Fdp]:
    """An fdpd of this module's own: its tests stop and start it (each its own model and
    product, so none sees another's)."""
    with fdp_of_ana("fdp-adopt-") as fdp:
        yield fdp


def stop_daemon(own: Fdp) -> None:
    for process in own.instance.daemons:
        own.instance.stop_daemon(process)
    own.instance.daemons.clear()


def detached_job(own: Fdp, name: str, *sbatch: str, pause: str) -> tuple[str, Path, str]:
    """A SLURM run of its own model (`--detach`): its job, folder and SLURM job."""
    project = make_project(own.store.parent / name, {"config.yaml": writes(f"cluster/{name}")})
    env = {"MODEL_WRITES": f"cluster/{name}", "MODEL_PAUSE": pause}
    arguments = ["run", "config.yaml", "--scheduler", "slurm", "--detach", *sbatch]
    detached = own.fdpctl(*arguments, cwd=project, env=env)
    assert detached.returncode == 0, detached.stderr
    job = last_job_id(own)
    folder = Path(own.job(job)["folder"])
    return job, folder, slurm_job_of(str(folder))


def job_of(own: Fdp, job: str) -> dict[str, Any]:
    return own.job(job)


def wait_for_job(own: Fdp, job: str) -> dict[str, Any]:
    """The job once it has ended and what it made is recorded."""
    deadline = time.monotonic() + CEILING
    detail = job_of(own, job)
    while (detail["state"] == "running" or detail["records_pending"]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)
        detail = job_of(own, job)
    return detail


def assert_recorded_like_a_run(own: Fdp, job: str, folder: Path) -> None:
    detail = wait_for_job(own, job)
    assert (detail["state"], detail["exit_status"]) == ("succeeded", 0), detail
    assert len(detail["code_runs"]) == 1, detail
    assert {item["state"] for item in detail["items"]} == {"local"}
    assert not (folder / "slurm" / "following").exists()
    assert not (folder / "slurm" / "token").exists()
    committed = own.fdpctl("commit", job)
    assert committed.returncode == 0, committed.stderr


def test_fdpd_restarted_while_a_slurm_job_runs_adopts_it_and_records_it(own: Fdp) -> None:
    job, folder, slurm_job = detached_job(own, "restarted", pause="8")
    wait_for_squeue(slurm_job, "RUNNING")

    stop_daemon(own)

    shown = subprocess.run(
        ["scontrol", "show", "job", slurm_job], capture_output=True, text=True
    ).stdout
    assert squeue_state(slurm_job) == "RUNNING", (
        shown + (folder / "slurm" / "output.log").read_text()
    )
    assert (folder / "slurm" / "following").exists()
    own.instance.start_daemon()
    assert_recorded_like_a_run(own, job, folder)
    assert "finalised" in own.fdpctl("log", job).stdout  # its output, read on by the new fdpd


def test_a_queued_slurm_job_is_adopted_and_still_gets_its_token(own: Fdp) -> None:
    """Held in the queue (`--hold`) across the restart: it starts under the next fdpd, and its
    wrapper still finds the token fdpd left for it."""
    job, folder, slurm_job = detached_job(own, "queued", "--sbatch=--hold", pause="0")
    wait_for_squeue(slurm_job, "PENDING")

    stop_daemon(own)
    own.instance.start_daemon()
    subprocess.run(["scontrol", "release", slurm_job], check=True)

    assert_recorded_like_a_run(own, job, folder)


def test_a_slurm_job_that_ends_while_fdpd_is_down_is_recorded_at_its_next_start(own: Fdp) -> None:
    """fdpd killed (SIGKILL) while it follows a SLURM job; the job ends meanwhile; the next fdpd
    records it as the first would have (its code run, its outputs, nothing left behind)."""
    job, folder, slurm_job = detached_job(own, "killed", pause="1")
    [daemon] = own.instance.daemons
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=30)
    wait_for_squeue(slurm_job, "")  # it ended with no fdpd to see it
    assert (folder / "slurm" / "exit_status").read_text().strip() == "0"

    own.instance.daemons.clear()
    own.instance.start_daemon()

    assert_recorded_like_a_run(own, job, folder)


def test_a_slurm_job_failing_while_fdpd_is_down_is_recorded_failed(own: Fdp) -> None:
    job, folder, slurm_job = detached_job(own, "failed-meanwhile", pause="30")
    stop_daemon(own)
    subprocess.run(["scancel", slurm_job], check=True)
    wait_for_squeue(slurm_job, "")

    own.instance.start_daemon()

    detail = wait_for_job(own, job)
    assert detail["state"] == "cancelled"
    assert (
        f"SLURM job {slurm_job} ended CANCELLED: it was cancelled (scancel)" in detail["warnings"]
    )
    assert all(item["state"] == "failed" for item in detail["items"])
    assert not (folder / "slurm" / "token").exists()


FORGOTTEN = "67000000"  # below SLURM's MaxJobId; this cluster's ids stay far below it


def test_a_job_slurm_forgot_with_no_state_left_is_recorded_failed_saying_so(own: Fdp) -> None:
    """The job's node died before its wrapper wrote a state, and slurmctld has forgotten the job
    (MinJobAge: 600 s on this cluster) by the time fdpd looks again; the cluster keeps no
    accounting (the real `sacct` says so), so nothing says how the job ended.

    FAULT INJECTION: waiting out MinJobAge is stood in for by a job id slurmctld never had,
    written into the job folder's `slurm/following` while fdpd is down (the real job, held in
    the queue, is cancelled); the real `scontrol` and `sacct` answer for it."""
    job, folder, slurm_job = detached_job(own, "forgotten", "--sbatch=--hold", pause="0")
    wait_for_squeue(slurm_job, "PENDING")
    stop_daemon(own)
    subprocess.run(["scancel", slurm_job], check=True)
    (folder / "slurm" / "following").write_text(FORGOTTEN + "\n")
    accounting = subprocess.run(
        ["sacct", "-n", "-j", FORGOTTEN], capture_output=True, text=True, check=False
    )
    assert FORGOTTEN not in accounting.stdout

    own.instance.start_daemon()

    detail = wait_for_job(own, job)
    assert detail["state"] == "failed", detail
    assert f"SLURM no longer knows job {FORGOTTEN} and it left no state" in detail["warnings"]
    assert all(item["state"] == "failed" for item in detail["items"])
    assert not (folder / "slurm" / "token").exists()
    assert not (folder / "slurm" / "following").exists()
    assert own.fdpctl("commit", job).returncode != 0
