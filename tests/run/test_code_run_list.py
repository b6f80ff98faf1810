"""How fdpd finds the code runs a job made when `coderuns.txt` is missing (the C++ API writes
none) or is not a file it will read (a FIFO would stall a plain read)."""

from __future__ import annotations

from pathlib import Path

from tests.run.conftest import Fdp, last_job_id, make_project

CONFIG = """\
run_metadata:
  description: {description}
  script: |
    python3 model.py
    {after}
write:
  - data_product: list/{name}
    description: an output
    file_type: csv
"""


def run_with(fdp: Fdp, tmp_path: Path, name: str, after: str) -> tuple[str, dict[str, object]]:
    text = CONFIG.format(description=f"code run list {name}", after=after, name=name)
    project = make_project(tmp_path / name, {"config.yaml": text})
    result = fdp.fdpctl("run", "config.yaml", cwd=project, env={"MODEL_WRITES": f"list/{name}"})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr, fdp.job(last_job_id(fdp))


def registered_runs(fdp: Fdp, description: str) -> list[str]:
    return [run["uuid"] for run in fdp.registry("code_run") if run["description"] == description]


def test_a_job_without_coderuns_txt_still_records_its_code_run(fdp: Fdp, tmp_path: Path) -> None:
    _, job = run_with(fdp, tmp_path, "missing", 'rm "$FDP_CONFIG_DIR/coderuns.txt"')

    assert not (Path(str(job["folder"])) / "coderuns.txt").exists()
    assert job["code_runs"] == registered_runs(fdp, "code run list missing")
    assert len(job["code_runs"]) == 1  # type: ignore[arg-type]


def test_a_fifo_for_coderuns_txt_is_a_warning_not_a_stalled_daemon(
    fdp: Fdp, tmp_path: Path
) -> None:
    after = 'rm "$FDP_CONFIG_DIR/coderuns.txt" && mkfifo "$FDP_CONFIG_DIR/coderuns.txt"'
    output, job = run_with(fdp, tmp_path, "fifo", after)

    assert "coderuns.txt ignored" in output and "FIFO" in output
    assert job["code_runs"] == registered_runs(fdp, "code run list fifo")
    assert len(job["code_runs"]) == 1  # type: ignore[arg-type]
    assert fdp.fdpctl("status").returncode == 0  # fdpd still answers
