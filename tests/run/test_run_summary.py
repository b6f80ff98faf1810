"""`fdpctl run` ends with what it did: the job id, each output (`ns:name@version` and its file in
the data store), each input, and the next command; counted in items, as `status` counts them.
Real fdpd, real pyDataPipeline models."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.terminal import run_on_terminal
from tests.fdp_process import FDPCTL
from tests.run.conftest import Fdp, last_job_id, make_project

WRITES_TWO = """\
run_metadata:
  description: summary writes two
  script: python3 model.py
write:
  - data_product: summary/a
    description: product a
    file_type: csv
  - data_product: summary/b
    description: product b
    file_type: csv
"""
READS_A = """\
run_metadata:
  description: summary reads a
  script: python3 model.py
read:
  - data_product: summary/a
write:
  - data_product: summary/c
    description: product c
    file_type: csv
"""
NO_API = """\
run_metadata:
  description: no language API
  script: echo plain
"""
BOLD = "\x1b[1m"


def test_run_says_job_outputs_inputs_and_next_step(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "summary", {"two.yaml": WRITES_TWO, "reads.yaml": READS_A})
    result = fdp.fdpctl("run", "two.yaml", cwd=project, env={"MODEL_WRITES": "summary/a,summary/b"})
    assert result.returncode == 0, result.stderr
    job = last_job_id(fdp)
    assert result.stdout == "finalised\n"  # stdout stays the model's own output
    said = result.stderr.splitlines()
    [headline] = [line for line in said if line.startswith(f"job {job} succeeded: ")]
    assert headline.startswith(f"job {job} succeeded: 3 items (")  # a code run, two products
    assert "registry records), local until committed" in headline
    [run_uuid] = fdp.job(job)["code_runs"]
    assert f"  code run {run_uuid}" in said
    for name in ("summary/a", "summary/b"):
        [line] = [line for line in said if f" ana:{name}@0.0.1 " in line]
        assert line.startswith("  wrote ")
        path = Path(line.split()[-1])
        assert path.is_file() and path.is_relative_to(fdp.store / "ana" / name)
    assert said[-1] == f"next: fdpctl commit {job}   (then fdpctl push)"
    assert BOLD not in result.stderr  # no terminal, no colours

    reads = fdp.fdpctl(
        "--json",
        "run",
        "reads.yaml",
        cwd=project,
        env={"MODEL_READS": "summary/a", "MODEL_WRITES": "summary/c"},
    )
    assert reads.returncode == 0, reads.stderr
    final = json.loads(reads.stdout.splitlines()[-1])["result"]
    [read] = final["inputs"]
    assert read["item"] == "ana:summary/a@0.0.1" and Path(read["file"]).is_file()
    [output] = final["outputs"]
    assert output["item"] == "ana:summary/c@0.0.1" and Path(output["file"]).is_file()
    # counted as `commit JOB` counts: its code run, summary/c and the uncommitted input summary/a
    assert final["items"] == 3 and final["records"] > final["items"]
    assert final["next"] == f"fdpctl commit {final['job']}"


def test_run_counts_items_as_status_and_commit_do(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "units", {"config.yaml": WRITES_TWO.replace("summary/", "units/")}
    )
    ran = fdp.fdpctl(
        "--json", "run", "config.yaml", cwd=project, env={"MODEL_WRITES": "units/a,units/b"}
    )
    result = json.loads(ran.stdout.splitlines()[-1])["result"]
    status = json.loads(fdp.fdpctl("--json", "status", "--all").stdout)
    job_items = [shown for shown in status["names"]["local"] if shown["job"] == result["job"]]
    assert len(job_items) == result["items"] == 3
    committed = json.loads(fdp.fdpctl("--json", "commit", result["job"]).stdout)
    [root] = committed["items"]
    assert root["items_changed"] == result["items"]  # nothing of this job was committed before
    said = fdp.fdpctl("uncommit", result["job"]).stdout
    assert said.startswith(f"uncommitted code run {result['code_runs'][0]}: 3 items (")


def test_run_summary_is_coloured_on_a_terminal_only(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "tty", {"config.yaml": WRITES_TWO.replace("summary/", "tty/")}
    )
    env = {**fdp.instance.env, "MODEL_WRITES": "tty/a,tty/b"}
    status, shown = run_on_terminal([str(FDPCTL), "run", "config.yaml"], env, cwd=project)
    assert status == 0, shown
    job = last_job_id(fdp)
    assert f"{BOLD}job {job}\x1b[0m succeeded" in shown
    assert "\x1b[32mana:tty/a@0.0.1" in shown
    status, plain = run_on_terminal(
        [str(FDPCTL), "run", "config.yaml"], {**env, "NO_COLOR": "1"}, cwd=project
    )
    assert status == 0, plain
    assert "\x1b[" not in plain and f"job {last_job_id(fdp)} succeeded" in plain


def test_failed_and_api_less_runs_say_what_they_did(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "odd", {"config.yaml": WRITES_TWO, "plain.yaml": NO_API})
    failed = fdp.fdpctl("run", "config.yaml", cwd=project, env={"MODEL_FAIL": "3"})
    job = last_job_id(fdp)
    assert failed.returncode == 4
    assert f"fdpctl: job {job} failed: the model exited with status 3" in failed.stderr
    assert "succeeded" not in failed.stderr and "next: fdpctl commit" not in failed.stderr

    plain = fdp.fdpctl("run", "plain.yaml", cwd=project)
    assert plain.returncode == 0 and plain.stdout == "plain\n"
    assert f"job {last_job_id(fdp)} succeeded: 0 items" in plain.stderr
    assert "recorded no code run (it used no language API), so there is nothing to commit" in (
        plain.stderr
    )
    assert "next:" not in plain.stderr


def test_a_model_without_the_python_api_gets_an_install_hint(fdp: Fdp, tmp_path: Path) -> None:
    """A Python that cannot import pyDataPipeline (-S: without its site-packages)."""
    config = (
        "run_metadata:\n  description: no pyDataPipeline\n"
        "  script: python3 -S -c 'import data_pipeline_api'\n"
    )
    project = make_project(tmp_path / "noapi", {"config.yaml": config})

    result = fdp.fdpctl("run", "config.yaml", cwd=project)

    assert result.returncode == 4, result.stderr
    assert "ModuleNotFoundError" in result.stdout, result.stdout
    assert "pip install data-pipeline-api" in result.stderr, result.stderr
    log = fdp.fdpctl("log", last_job_id(fdp)).stderr
    assert "pip install data-pipeline-api" in log, log
