"""`fdpctl run CONFIG --scheduler slurm`: the job goes through sbatch to the cluster's node and
is recorded like a local run (job, code run, outputs, the same summary and exit codes). Real
SLURM, fdpd, registry and pyDataPipeline."""

from __future__ import annotations

from pathlib import Path

from tests.cluster.conftest import Fdp, last_job_id, make_project

WRITES = """\
run_metadata:
  description: cluster writes
  script: python3 model.py
write:
  - data_product: cluster/a
    description: product a
    file_type: csv
"""


def test_a_slurm_job_is_recorded_like_a_local_run(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "cluster", {"config.yaml": WRITES})
    result = fdp.fdpctl(
        "run", "config.yaml", "--scheduler", "slurm", cwd=project, env={"MODEL_WRITES": "cluster/a"}
    )
    assert result.returncode == 0, result.stderr + result.stdout
    job = last_job_id(fdp)
    print(result.stdout, result.stderr)
    assert "finalised" in result.stdout.splitlines()
    said = result.stderr.splitlines()
    assert said[-1] == f"next: fdpctl commit {job}   (then fdpctl push)"
    detail = fdp.job(job)
    assert detail["state"] == "succeeded"
    [run_uuid] = detail["code_runs"]
    assert fdp.registry("code_run", uuid=run_uuid)
    slurm_job = (Path(detail["folder"]) / "slurm" / "slurm_job").read_text().strip()
    assert slurm_job.isdigit()
