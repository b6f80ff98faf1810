"""`fdpctl run CONFIG --scheduler slurm --array 1-3`: one SLURM array, every task its own fdp job
with its own code run and outputs (`${{TASK}}` in the config, FDP_TASK_ID in the environment);
`fdpctl commit array-N` commits every task that succeeded. Real SLURM, fdpd, registry and
pyDataPipeline."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cluster.conftest import Fdp, make_project

SWEEP = """\
run_metadata:
  description: sweep task ${{TASK}}
  script: python3 model.py
write:
  - data_product: sweep/task-${{TASK}}
    description: the output of task ${{TASK}}
    file_type: csv
  - data_product: sweep/all
    description: every task writes a version of this
    file_type: csv
    version: ${{PATCH}}
"""
TASK_MODEL = """\
import os, sys, time
import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
task = os.environ["FDP_TASK_ID"]
assert task == os.environ["SLURM_ARRAY_TASK_ID"]
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])
for alias in (f"sweep/task-{task}", "sweep/all"):
    with open(pipeline.link_write(handle, alias), "w") as f:
        f.write(f"{alias},{task}\\n")
time.sleep(float(os.environ.get("MODEL_PAUSE", "0")))
if task == os.environ.get("FAIL_TASK"):
    print(f"task {task} failing on purpose", flush=True)
    sys.exit(3)
pipeline.finalise(token, handle)
print(f"task {task} finalised")
"""


def sweep_project(root: Path) -> Path:
    project = make_project(root, {"config.yaml": SWEEP})
    (project / "model.py").write_text(TASK_MODEL)
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-qam", "task model"],
        cwd=project,
        check=True,
        env={**GIT, "PATH": "/usr/bin:/bin"},
    )
    return project


GIT = {
    "GIT_AUTHOR_NAME": "Ana",
    "GIT_AUTHOR_EMAIL": "ana@example.org",
    "GIT_COMMITTER_NAME": "Ana",
    "GIT_COMMITTER_EMAIL": "ana@example.org",
}


def test_an_array_of_three_tasks_gives_three_jobs_and_one_commit(fdp: Fdp, tmp_path: Path) -> None:
    project = sweep_project(tmp_path / "sweep")
    result = fdp.fdpctl("run", "config.yaml", "--scheduler", "slurm", "--array", "1-3", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    said = result.stderr.splitlines()
    [headline] = [line for line in said if line.startswith("array-")]
    array = headline.split(":")[0]
    assert headline == f"{array}: 3 tasks: 3 succeeded"
    assert said[-1] == f"next: fdpctl commit {array}   (then fdpctl push)"
    for task in (1, 2, 3):
        assert f"[task {task}] task {task} finalised" in result.stdout.splitlines()
    jobs = [line.split()[-1] for line in said if line.startswith("  task ")]
    assert len(set(jobs)) == 3
    slurm_jobs = [
        (Path(fdp.job(job)["folder"]) / "slurm" / "slurm_job").read_text().strip() for job in jobs
    ]
    [array_job] = {slurm_job.split("_")[0] for slurm_job in slurm_jobs}  # one sbatch --array
    assert slurm_jobs == [f"{array_job}_{task}" for task in (1, 2, 3)]
    runs = {uuid for job in jobs for uuid in fdp.job(job)["code_runs"]}
    assert len(runs) == 3
    for task in (1, 2, 3):
        [product] = fdp.registry("data_product", name=f"sweep/task-{task}")
        assert product["version"] == "0.0.1"
    versions = sorted(p["version"] for p in fdp.registry("data_product", name="sweep/all"))
    assert versions == ["0.0.1", "0.0.2", "0.0.3"]  # distinct versions, one per task
    for task, job in zip((1, 2, 3), jobs, strict=True):
        assert f"description: sweep task {task}\n" in fdp.job(job)["working_config"]

    status = fdp.fdpctl("status")
    assert f"  {array}  3 tasks: 3 succeeded  (" in status.stdout, status.stdout

    committed = fdp.fdpctl("--json", "commit", array)

    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert sum(1 for line in committed.stdout.split("code run ")[1:]) >= 3
    for job in jobs:
        states = {item["state"] for item in fdp.job(job)["items"]}
        assert states == {"committed"}, states


def test_a_failing_task_is_failed_and_not_committed_with_the_array(
    fdp: Fdp, tmp_path: Path
) -> None:
    project = sweep_project(tmp_path / "failing")
    result = fdp.fdpctl(
        "run",
        "config.yaml",
        "--scheduler",
        "slurm",
        "--array",
        "1-3%2",
        cwd=project,
        env={"FAIL_TASK": "2"},
    )
    assert result.returncode == 4, result.stdout + result.stderr  # a model failed
    said = result.stderr.splitlines()
    [headline] = [line for line in said if line.startswith("array-")]
    array = headline.split(":")[0]
    assert headline == f"{array}: 3 tasks: 1 failed, 2 succeeded"
    failed_job = next(line.split()[-1] for line in said if line.startswith("  task 2 "))

    committed = fdp.fdpctl("commit", array)

    assert committed.returncode == 0, committed.stderr
    assert {i["state"] for i in fdp.job(failed_job)["items"]} == {"failed"}
    others = [line.split()[-1] for line in said if line.startswith(("  task 1 ", "  task 3 "))]
    for job in others:
        assert {i["state"] for i in fdp.job(job)["items"]} == {"committed"}


def test_cancelling_one_task_job_cancels_the_whole_array(fdp: Fdp, tmp_path: Path) -> None:
    project = sweep_project(tmp_path / "cancelled")
    detached = fdp.fdpctl(
        "run",
        "config.yaml",
        "--scheduler",
        "slurm",
        "--array",
        "1-3",
        "--detach",
        cwd=project,
        env={"MODEL_PAUSE": "60"},
    )
    assert detached.returncode == 0, detached.stderr
    job = detached.stderr.split("job ", 1)[1].split()[0]
    operation = fdp.job(job)["operation"]
    shown = fdp.fdpctl("status").stdout.splitlines()
    [line] = [ln for ln in shown if ln.startswith(f"  array-{operation}  ")]
    counts = line.split("3 tasks: ")[1].split("  (")[0]
    states = {part.split()[1] for part in counts.split(", ")}
    assert states <= {"queued", "running"}, line  # SLURM has them: none ended yet

    cancel = fdp.fdpctl("cancel", job)

    assert cancel.returncode == 0, cancel.stdout + cancel.stderr
    tasks = [j for j in fdp.get("/v1/jobs?limit=10")["jobs"] if j["operation"] == operation]
    assert len(tasks) == 3
    assert {task["state"] for task in tasks} == {"cancelled"}
    queue = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True)
    folder = Path(fdp.job(job)["folder"])
    array_job = (folder / "slurm" / "slurm_job").read_text().split("_")[0]
    assert array_job not in queue.stdout
