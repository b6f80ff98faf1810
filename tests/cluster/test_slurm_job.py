"""`fdpctl run CONFIG --scheduler slurm`: the job goes through sbatch to the cluster's node and
is recorded like a local run (job, code run, outputs, the same summary and exit codes); a failed
task leaves nothing to commit; `scancel` and `fdpctl cancel` are recorded as cancelled, with
SLURM's word for it; `--detach` returns once submitted. Real SLURM, fdpd, registry and
pyDataPipeline."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.cluster.conftest import Fdp, Remote, Site, last_job_id, make_project
from tests.fdp_process import FDPCTL
from tests.run.conftest import fdp_of_ana, job_folders


def writes(product: str) -> str:
    """A config whose model writes `product` (each test its own: no test sees another's)."""
    return f"""\
run_metadata:
  description: cluster writes
  script: python3 model.py
write:
  - data_product: {product}
    description: product {product}
    file_type: csv
"""


CEILING = 120.0  # seconds: a generous ceiling for a state, not a latency target


def wait_for_state(fdp: Fdp, job: str, states: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + CEILING
    while time.monotonic() < deadline:
        detail = fdp.job(job)
        if detail["state"] in states:
            return detail
        time.sleep(0.2)
    raise AssertionError(f"job {job} never reached {states}: {fdp.job(job)['state']}")


def slurm_job_of(folder: str) -> str:
    deadline = time.monotonic() + CEILING
    path = Path(folder) / "slurm" / "slurm_job"
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return path.read_text().strip()


def squeue_state(slurm_job: str) -> str:
    answer = subprocess.run(
        ["squeue", "-h", "-j", slurm_job, "-o", "%T"], capture_output=True, text=True, check=False
    )
    return answer.stdout.strip()


def new_job_folder(fdp: Fdp, before: set[Path]) -> Path:
    """The folder of the one job started since `before` (the data store's job folders then)."""
    deadline = time.monotonic() + CEILING
    while time.monotonic() < deadline:
        new = job_folders(fdp.store) - before
        if new:
            [folder] = new
            return folder
        time.sleep(0.1)
    raise AssertionError("no job folder appeared")


def wait_for_squeue(slurm_job: str, state: str) -> None:
    deadline = time.monotonic() + CEILING
    while squeue_state(slurm_job) != state and time.monotonic() < deadline:
        time.sleep(0.2)
    assert squeue_state(slurm_job) == state


def test_a_slurm_job_is_recorded_like_a_local_run_then_committed_and_pushed(
    ana: Site, remote: Remote
) -> None:
    project = ana.project("cluster", {"config.yaml": writes("cluster/a")})
    result = ana.fdpctl(
        "run", "config.yaml", "--scheduler", "slurm", cwd=project, env={"MODEL_WRITES": "cluster/a"}
    )
    assert result.returncode == 0, result.stderr + result.stdout
    job = ana.json("log")["jobs"][0]["id"]
    assert result.stdout == "finalised\n"  # stdout stays the model's own output
    said = result.stderr.splitlines()
    [submitted] = [line for line in said if line.startswith(f"job {job} submitted as SLURM job ")]
    slurm_job = submitted.rsplit(" ", 1)[-1]
    assert f"SLURM job {slurm_job} running on " in result.stderr
    assert any(line.startswith(f"job {job} succeeded: ") for line in said)
    assert said[-1] == f"next: fdpctl commit {job}   (then fdpctl push)"
    detail = ana.json("log", job)
    assert detail["state"] == "succeeded" and detail["exit_status"] == 0
    [run_uuid] = ana.job_runs(job)
    folder = Path(detail["folder"])
    assert (folder / "slurm" / "slurm_job").read_text().strip() == slurm_job
    assert (folder / "slurm" / "exit_status").read_text().strip() == "0"
    assert not (folder / "slurm" / "token").exists()  # read by the wrapper, removed at the end
    token = (ana.instance.home / "data" / "tokens" / "ana.token").read_text().strip()
    assert token not in (folder / "slurm" / "job.sh").read_text()
    shown = subprocess.run(
        ["scontrol", "show", "job", "-dd", slurm_job], capture_output=True, text=True, check=False
    )
    assert token not in shown.stdout  # the token is in no SLURM listing

    ana.ok("commit", job)
    status, final, _ = ana.stream_result("push")
    assert status == 0, final
    assert {i["item"]: i["status"] for i in final["result"]["items"]} == {
        f"code run {run_uuid}": "pushed",
        "ana:cluster/a@0.0.1": "pushed",
    }
    assert remote.records("code_run", uuid=run_uuid)


def test_a_failing_slurm_job_is_failed_with_nothing_to_commit(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "failing", {"config.yaml": writes("cluster/failing")})
    result = fdp.fdpctl(
        "run",
        "config.yaml",
        "--scheduler=slurm",
        cwd=project,
        env={"MODEL_WRITES": "cluster/failing", "MODEL_FAIL": "3"},
    )
    job = last_job_id(fdp)
    assert result.returncode == 4, result.stderr  # MODEL_FAILED, as for a local run
    assert f"fdpctl: job {job} failed: the model exited with status 3" in result.stderr
    assert "failing on purpose" in result.stdout
    detail = fdp.job(job)
    assert (detail["state"], detail["exit_status"]) == ("failed", 3)
    assert all(item["state"] == "failed" for item in detail["items"])
    refused = fdp.fdpctl("commit", job)
    assert refused.returncode != 0
    assert not [i for i in fdp.job(job)["items"] if i["state"] == "committed"]


def test_scancel_of_a_slurm_job_is_recorded_cancelled(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "scancelled", {"config.yaml": writes("cluster/scancelled")})
    env = {"MODEL_WRITES": "cluster/scancelled", "MODEL_PAUSE": "60"}
    detached = fdp.fdpctl(
        "run", "config.yaml", "--scheduler", "slurm", "--detach", cwd=project, env=env
    )
    assert detached.returncode == 0, detached.stderr
    job = last_job_id(fdp)
    assert f"job {job} submitted as SLURM job " in detached.stderr
    assert f"`fdpctl log -f {job}`" in detached.stderr
    slurm_job = slurm_job_of(fdp.job(job)["folder"])
    deadline = time.monotonic() + CEILING
    while squeue_state(slurm_job) != "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)

    subprocess.run(["scancel", slurm_job], check=True)

    detail = wait_for_state(fdp, job, {"cancelled", "failed", "succeeded"})
    assert detail["state"] == "cancelled"
    assert (
        f"SLURM job {slurm_job} ended CANCELLED: it was cancelled (scancel)" in detail["warnings"]
    )
    assert all(item["state"] == "failed" for item in detail["items"])


def test_fdpctl_cancel_scancels_the_slurm_job(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "cancelled", {"config.yaml": writes("cluster/cancelled")})
    env = {"MODEL_WRITES": "cluster/cancelled", "MODEL_PAUSE": "60"}
    detached = fdp.fdpctl(
        "run", "config.yaml", "--scheduler", "slurm", "--detach", cwd=project, env=env
    )
    assert detached.returncode == 0, detached.stderr
    job = last_job_id(fdp)
    slurm_job = slurm_job_of(fdp.job(job)["folder"])

    follow = subprocess.Popen(
        [str(FDPCTL), "log", "-f", job],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=fdp.instance.env,
    )
    cancel = fdp.fdpctl("cancel", job)
    assert cancel.returncode == 0, cancel.stderr + str(fdp.job(job)) + fdp.fdpctl("log", job).stdout

    detail = wait_for_state(fdp, job, {"cancelled", "failed", "succeeded"})
    assert detail["state"] == "cancelled"
    assert squeue_state(slurm_job) == ""  # scancel reached SLURM: the job is gone from the queue
    out, err = follow.communicate(timeout=CEILING)
    assert follow.returncode == 0, out + err
    assert "cancelled" in out.splitlines()[-1]  # log -f followed it to its end


def test_json_detach_ends_with_a_detached_result(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "detached", {"config.yaml": writes("cluster/detached")})
    result = fdp.fdpctl(
        "--json",
        "run",
        "config.yaml",
        "--scheduler",
        "slurm",
        "--detach",
        cwd=project,
        env={"MODEL_WRITES": "cluster/detached"},
    )
    assert result.returncode == 0, result.stderr
    final = json.loads(result.stdout.splitlines()[-1])
    assert final["type"] == "result" and final["result"]["detached"] is True
    job = final["result"]["job"]
    assert wait_for_state(fdp, job, {"succeeded", "failed"})["state"] == "succeeded"


def test_a_slurm_job_past_its_time_limit_is_failed_with_slurms_reason(
    fdp: Fdp, tmp_path: Path
) -> None:
    """SLURM keeps time limits in whole minutes (`--time=0:5` is a minute) and slurmctld checks
    them every 30 s (PERIODIC_TIMEOUT, built in): rather than wait a minute and more, the running
    job's limit is lowered to 0 (`scontrol update`, as an administrator may), so that slurmctld's
    next check ends it TIMEOUT, as when it reached its `--time`."""
    project = make_project(tmp_path / "timeout", {"config.yaml": writes("cluster/timeout")})
    env = {"MODEL_WRITES": "cluster/timeout", "MODEL_PAUSE": "600"}
    before = job_folders(fdp.store)
    run = subprocess.Popen(
        [str(FDPCTL), "run", "config.yaml", "--scheduler", "slurm", "--sbatch=--time=0:5"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**fdp.instance.env, **env},
    )
    slurm_job = slurm_job_of(str(new_job_folder(fdp, before)))
    wait_for_squeue(slurm_job, "RUNNING")
    subprocess.run(["scontrol", "update", f"JobId={slurm_job}", "TimeLimit=0"], check=True)

    _, err = run.communicate(timeout=CEILING)
    job = last_job_id(fdp)
    assert run.returncode == 4, err  # the model failed, as when killed locally
    detail = fdp.job(job)
    assert detail["state"] == "failed"
    reason = f"SLURM job {slurm_job} ended TIMEOUT: it reached its time limit (--time)"
    assert reason in detail["warnings"]
    assert f"warning: {reason}" in err
    assert all(item["state"] == "failed" for item in detail["items"])


HOG = """\
import time
memory = bytearray(400 * 1024 * 1024)
memory[:: 4096] = b"1" * len(memory[:: 4096])  # every page touched: resident
time.sleep(30)
"""


def test_a_slurm_job_past_its_memory_limit_is_failed_with_slurms_reason(
    fdp: Fdp, tmp_path: Path
) -> None:
    """The one-node cluster has no cgroups: slurmstepd polls the job's memory (OverMemoryKill)
    and kills it past its --mem; SLURM then says FAILED (not OUT_OF_MEMORY, which needs cgroups)
    and why only in the job's own SLURM output, which fdpd reads."""
    config = "run_metadata:\n  description: too big\n  script: python3 hog.py\n"
    project = make_project(tmp_path / "hog", {"config.yaml": config, "hog.py": HOG})
    result = fdp.fdpctl(
        "run", "config.yaml", "--scheduler", "slurm", "--sbatch=--mem=60M", cwd=project
    )

    assert result.returncode == 4, result.stderr  # the model failed, as when killed locally
    detail = fdp.job(last_job_id(fdp))
    assert detail["state"] == "failed"
    slurm_job = slurm_job_of(detail["folder"])
    [reason] = [w for w in detail["warnings"] if w.startswith(f"SLURM job {slurm_job} ended ")]
    assert "it ran out of memory (--mem): " in reason, reason
    assert "exceeded memory limit" in reason
    assert f"warning: {reason}" in result.stderr


def test_a_job_after_a_failed_first_job_of_the_same_script_commits(tmp_path: Path) -> None:
    """The first job of an fdpd fails, the fixed one runs: its code run's script is found by
    content, the failed job's storage location, and the commit must not take it for failed."""
    with fdp_of_ana("fdp-first-fails-") as own:
        project = make_project(tmp_path / "first", {"config.yaml": writes("cluster/first")})
        env = {"MODEL_WRITES": "cluster/first"}
        failed = own.fdpctl(
            "run", "config.yaml", "--scheduler=slurm", cwd=project, env={**env, "MODEL_FAIL": "3"}
        )
        assert failed.returncode == 4, failed.stderr
        ran = own.fdpctl("run", "config.yaml", "--scheduler=slurm", cwd=project, env=env)
        assert ran.returncode == 0, ran.stderr
        job = last_job_id(own)

        committed = own.fdpctl("commit", job)

        assert committed.returncode == 0, committed.stderr
        assert {item["state"] for item in own.job(job)["items"]} == {"committed"}
