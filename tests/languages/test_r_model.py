"""An R model through the real rDataPipeline 0.60.0, end to end (tests/languages/end_to_end.py).
Skips when R or rDataPipeline is not installed (../shared/peers/install-r.sh installs both)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.languages.end_to_end import port_taken, run_commit_push_pull
from tests.push.conftest import Remote
from tests.run.conftest import make_project

MODEL = """\
library(rDataPipeline)
config <- file.path(Sys.getenv("FDP_CONFIG_DIR"), "config.yaml")
handle <- initialise(config, Sys.getenv("FDP_SCRIPT"))
path <- link_write(handle, "r/doubled")
write.csv(data.frame(a = 1:3, b = c(2, 4, 6)), path, row.names = FALSE)
finalise(handle)
cat("R model finalised\\n")
"""
CONFIG = """\
run_metadata:
  description: an R model
  script: Rscript model.R
write:
  - data_product: r/doubled
    description: a column and its double
    file_type: csv
"""


def r_api_missing() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript is not installed (../shared/peers/install-r.sh installs it)"
    probe = subprocess.run(
        ["Rscript", "-e", "library(rDataPipeline)"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        return "rDataPipeline is not installed (../shared/peers/install-r.sh installs it)"
    return port_taken()


@pytest.mark.port8000
def test_r_model_run_commit_push_and_pull_by_another_user(remote: Remote) -> None:
    missing = r_api_missing()
    if missing:
        pytest.skip(missing)
    project = make_project(
        remote.workdir.parent / "rmodel",
        {"config.yaml": CONFIG, "model.R": MODEL},
        remote="https://github.com/example/rmodel.git",
    )

    job = run_commit_push_pull(remote, project, "r/doubled", "R model finalised")

    # rDataPipeline writes the product under its name: no pyDataPipeline alias warning
    assert "registers it under the alias" not in str(job["output"])
