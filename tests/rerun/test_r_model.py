"""An R model through the real rDataPipeline reruns and reproduces (real fdpctl, fdpd and
registry; the R API needs the local registry on port 8000). Skips when R or rDataPipeline is not
installed (../shared/peers/install-r.sh installs both)."""

from __future__ import annotations

import pytest

from tests.languages.test_r_model import CONFIG, MODEL, r_api_missing
from tests.push.processes import fdp_site
from tests.run.conftest import make_project


@pytest.mark.port8000
def test_an_r_model_reruns_and_reproduces() -> None:
    missing = r_api_missing()
    if missing:
        pytest.skip(missing)
    with fdp_site("ana", registry_port=8000) as ana:
        project = make_project(ana.root / "rmodel", {"config.yaml": CONFIG, "model.R": MODEL})
        job = ana.run_model(project, "config.yaml")
        assert job["exit_status"] == 0, job["output"]
        before = ana.local("code_run")

        done = ana.fdpctl("rerun", job["id"])

        assert done.returncode == 0, done.stdout + done.stderr
        assert "R model finalised" in done.stdout
        assert "reproduced: 1 of 1 outputs identical" in done.stderr
        assert ana.local("code_run") == before
