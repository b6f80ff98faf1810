"""`fdpctl rerun ITEM --scheduler slurm`: the rerun's job goes through sbatch to the cluster's node
and comes to the same verdict as a local rerun; the SLURM job is recorded with the rerun's job.
Real SLURM, fdpctl, fdpd, registry and pyDataPipeline."""

from __future__ import annotations

from pathlib import Path

from tests.cluster.conftest import Site, make_project

WRITES = """\
run_metadata:
  description: a deterministic model
  script: python3 model.py
write:
  - data_product: cluster/rerun
    description: the same bytes every time
    file_type: csv
"""


def test_a_rerun_through_slurm_reproduces_and_says_which_slurm_job_ran_it(ana: Site) -> None:
    project = ana.project("cluster-rerun", {"config.yaml": WRITES})
    env = {"MODEL_WRITES": "cluster/rerun"}
    made = ana.run_model(project, "config.yaml", **env)
    assert made["exit_status"] == 0, made["output"]
    [code_run] = ana.job_runs(made["id"])

    done = ana.fdpctl(
        "rerun", code_run, "--scheduler", "slurm", "--sbatch=--job-name=fdp-rerun", env=env
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "reproduced: 1 of 1 outputs identical" in done.stderr
    rerun_job = ana.json("log")["reruns"][0]["job"]
    assert f"job {rerun_job} submitted as SLURM job " in done.stderr
    assert "finalised" in done.stdout  # the model's own output, from the SLURM job
    [item] = ana.json("info", code_run)["items"]
    assert item["last_rerun"]["verdict"] == "identical"


def test_a_rerun_through_slurm_that_differs_exits_5(ana: Site) -> None:
    project = ana.project("cluster-differs", {"config.yaml": WRITES})
    made = ana.run_model(project, "config.yaml", MODEL_WRITES="cluster/rerun", MODEL_VALUE="1")
    [code_run] = ana.job_runs(made["id"])

    # the model reads its value from the environment: another value, other bytes
    done = ana.fdpctl(
        "rerun", code_run, "--scheduler", "slurm",
        env={"MODEL_WRITES": "cluster/rerun", "MODEL_VALUE": "2"},
    )  # fmt: skip

    assert done.returncode == 5, done.stdout + done.stderr
    assert "not reproduced: 0 of 1 outputs identical" in done.stderr
    assert "1: 'cluster/rerun,1' -> 'cluster/rerun,2'" in done.stderr


def test_sbatch_without_slurm_is_refused_before_anything_runs(ana: Site, tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"config.yaml": WRITES})
    made = ana.run_model(project, "config.yaml", MODEL_WRITES="cluster/rerun")
    [code_run] = ana.job_runs(made["id"])
    jobs = len(ana.json("log")["jobs"])

    done = ana.fdpctl("rerun", code_run, "--scheduler", "local", "--sbatch=--mem=1G")

    assert done.returncode == 1
    assert "--sbatch needs --scheduler slurm" in done.stderr
    assert len(ana.json("log")["jobs"]) == jobs
