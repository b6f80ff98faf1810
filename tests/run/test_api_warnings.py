"""The generation warnings about pyDataPipeline's habits (a write item's own namespace, name and
`public` are not what it uses) are given for a job that may run Python, never for an R job,
whose API is another (issue 20 item 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.run.conftest import Fdp, make_project

CONFIG = """\
run_metadata:
  description: writes under a name of its own
  script: {script}
write:
  - data_product: result
    description: the result
    file_type: csv
    public: false
    use:
      namespace: elsewhere
      data_product: model/result
"""
CLAIMS = (
    "but pyDataPipeline registers it",
    "but pyDataPipeline writes every",
    "pyDataPipeline uses",
)


@pytest.mark.parametrize("script", ["Rscript model.R", "R -f model.R"])
def test_an_r_job_gets_no_pydatapipeline_warnings(fdp: Fdp, tmp_path: Path, script: str) -> None:
    project = make_project(tmp_path / "r", {"config.yaml": CONFIG.format(script=script)})

    result = fdp.fdpctl("run", "--dry-run", "config.yaml", cwd=project)

    assert result.returncode == 0, result.stderr
    assert not [claim for claim in CLAIMS if claim in result.stderr], result.stderr


def test_a_python_job_gets_them(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "py", {"config.yaml": CONFIG.format(script="python3 model.py")}
    )

    result = fdp.fdpctl("run", "--dry-run", "config.yaml", cwd=project)

    assert result.returncode == 0, result.stderr
    assert all(claim in result.stderr for claim in CLAIMS), result.stderr
