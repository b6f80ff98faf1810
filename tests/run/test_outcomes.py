"""What `run` exits with and what the journal records: a model's own failure (whatever status it
exits with) is told apart from fdp's, the journal's outcome agrees with the exit status, and a
dry run is recorded as one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fdp_process import json_lines
from tests.run.conftest import Fdp, make_project

MODEL_FAILED = 4  # the exit codes `fdpctl --help` documents
OPERATION_FAILED = 1


def config(script: str) -> str:
    return f"run_metadata:\n  description: outcome\n  script: {script}\n"


def last_operation(fdp: Fdp) -> dict[str, Any]:
    operation: dict[str, Any] = fdp.get("/v1/operations?limit=1")["operations"][0]
    return operation


@pytest.mark.parametrize("status", [1, 2, 3])
def test_a_model_exiting_like_fdp_is_told_apart(fdp: Fdp, tmp_path: Path, status: int) -> None:
    project = make_project(tmp_path / f"exit{status}", {"config.yaml": config(f"exit {status}")})

    result = fdp.fdpctl("run", "config.yaml", cwd=project)

    assert result.returncode == MODEL_FAILED, result.stderr
    assert f"the model exited with status {status}" in result.stderr
    operation = last_operation(fdp)
    assert (operation["verb"], operation["outcome"]) == ("run", "failed")
    as_json = fdp.fdpctl("--json", "run", "config.yaml", cwd=project)
    assert as_json.returncode == MODEL_FAILED
    final = json_lines(as_json.stdout)[-1]
    assert final["type"] == "result" and final["result"]["exit_status"] == status


def test_fdps_own_failure_is_not_the_models(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "own", {"config.yaml": "run_metadata:\n  scrpt: exit 0\n"})

    result = fdp.fdpctl("run", "config.yaml", cwd=project)

    assert result.returncode == OPERATION_FAILED, result.stderr
    assert "scrpt" in result.stderr and "the model" not in result.stderr
    assert last_operation(fdp)["outcome"] == "failed"


def test_a_killed_model_is_a_model_failure(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "killed", {"config.yaml": config("kill -TERM $$")})

    result = fdp.fdpctl("run", "config.yaml", cwd=project)

    assert result.returncode == MODEL_FAILED
    assert "the model was killed by signal 15" in result.stderr
    assert last_operation(fdp)["outcome"] == "failed"


def test_a_model_that_succeeds_is_recorded_succeeded(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "fine", {"config.yaml": config("exit 0")})

    assert fdp.fdpctl("run", "config.yaml", cwd=project).returncode == 0
    assert last_operation(fdp)["outcome"] == "succeeded"


def test_a_dry_run_is_recorded_as_a_dry_run(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "dry", {"config.yaml": config("exit 3")})

    result = fdp.fdpctl("run", "--dry-run", "config.yaml", cwd=project)

    assert result.returncode == 0, result.stderr
    operation = last_operation(fdp)
    assert operation["outcome"] == "dry run" and operation["arguments"]["dry_run"] is True
    listing = fdp.fdpctl("log", "--limit", "1").stdout
    [row] = [line for line in listing.splitlines() if line.startswith(str(operation["id"]))]
    assert "dry run" in row and "run --dry-run" in row, listing
