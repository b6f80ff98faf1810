"""An R model through the real rDataPipeline 0.60.0, end to end (tests/languages/end_to_end.py).
Skips when R or rDataPipeline is not installed (../shared/peers/install-r.sh installs both)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.languages.end_to_end import API_PORT, port_taken, run_commit_push_pull
from tests.push.processes import Remote, fdp_site
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


# rSimpleModel's SEINRD takes the job folder from `${{CONFIG_DIR}}` (with its trailing
# separator) and joins it with file.path: rDataPipeline registers `jobs/<id>//config.yaml`.
FAILING_MODEL = """\
library(rDataPipeline)
config <- file.path(commandArgs(trailingOnly = TRUE)[1], "config.yaml")
handle <- initialise(config, Sys.getenv("FDP_SCRIPT"))
path <- link_write(handle, "r/doubled")
write.csv(data.frame(a = 1:3), path, row.names = FALSE)
stop("failing on purpose")
"""
FAILING_CONFIG = CONFIG.replace(
    "script: Rscript model.R", "script: Rscript model.R ${{CONFIG_DIR}}"
)


@pytest.mark.port8000
def test_failed_r_job_keeps_its_code_run_with_a_config_dir_path() -> None:
    missing = r_api_missing()
    if missing:
        pytest.skip(missing)
    with fdp_site("ana", registry_port=API_PORT) as ana:
        project = make_project(
            ana.root / "rmodel",
            {"config.yaml": FAILING_CONFIG, "model.R": FAILING_MODEL},
            remote="https://github.com/example/rmodel.git",
        )

        job = ana.run_model(project, "config.yaml")

        assert job["state"] == "failed", job["output"]
        assert "failing on purpose" in job["output"], job["output"]
        [config_location] = [
            location
            for location in ana.local("storage_location")
            if location["path"].endswith("config.yaml") and job["id"] in location["path"]
        ]
        assert config_location["path"] == f"jobs/{job['id']}//config.yaml"  # as R joins it
        [run] = ana.local("code_run")
        detail = ana.instance.request("GET", f"/v1/jobs/{job['id']}").json()
        items = {item["uuid"]: item for item in detail["items"] if item["type"] == "code_run"}
        assert items[run["uuid"]]["state"] == "failed", detail["items"]
        assert detail["code_runs"] == [run["uuid"]], detail
