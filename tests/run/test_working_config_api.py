"""A language-API-style client asks fdpd for a working config over the Unix socket, then runs
the real pyDataPipeline in the job folder it got."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.run.conftest import Fdp, make_project

CONFIG = """\
run_metadata:
  description: asked over the socket
  script: python3 model.py
write:
  - data_product: api/out
    description: written by a language API client
    file_type: csv
"""


def test_language_api_client_gets_a_prepared_job(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "api", {"config.yaml": CONFIG})
    status, answer = fdp.post(
        "/v1/working-config", {"config_text": CONFIG, "config_dir": str(project)}
    )
    assert status == 200, answer
    folder = Path(answer["job_folder"])
    assert folder.parent == fdp.store / "jobs" and folder.name == answer["job"]
    assert (folder / "config.yaml").read_text() == answer["working_config"]
    assert Path(answer["script_path"]).read_text() == "python3 model.py"
    working = yaml.safe_load(answer["working_config"])
    assert working["write"][0]["use"]["version"] == "0.0.1"
    assert fdp.get(f"/v1/jobs/{answer['job']}")["state"] == "prepared"
    assert fdp.token() not in str(answer)

    env = {
        **os.environ,
        "FDP_CONFIG_DIR": str(folder),
        "FDP_CONFIG_NAME": "config.yaml",
        "FDP_SCRIPT": answer["script_path"],
        "FDP_LOCAL_TOKEN": fdp.token(),
        "MODEL_WRITES": "api/out",
    }
    subprocess.run([sys.executable, "model.py"], cwd=answer["cwd"], env=env, check=True)
    assert [p["version"] for p in fdp.registry("data_product", name="api/out")] == ["0.0.1"]
    # a second request is a new job folder, and the version moves on
    status, again = fdp.post("/v1/working-config", {"config_path": str(project / "config.yaml")})
    assert status == 200 and again["job_folder"] != answer["job_folder"]
    assert yaml.safe_load(again["working_config"])["write"][0]["use"]["version"] == "0.0.2"


def test_bad_requests_are_clear_errors(fdp: Fdp, tmp_path: Path) -> None:
    status, answer = fdp.post("/v1/working-config", {"dirty": False})
    assert status == 422 and "exactly one of config_path and config_text" in str(answer)
    status, answer = fdp.post(
        "/v1/working-config", {"config_text": "run_metadata: [", "config_dir": str(tmp_path)}
    )
    assert status == 422
    assert answer["error"]["code"] == "invalid_config"
    assert "config.yaml:1:" in answer["error"]["message"]


def test_a_config_path_that_is_no_readable_file_is_a_clear_error(fdp: Fdp, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("run_metadata:\n  description: caf\xe9\n".encode("latin-1"))
    cases = {
        tmp_path / "missing.yaml": "does not exist",
        tmp_path: "is a folder, not a config file",
        latin1: "is not UTF-8 text (byte 32)",
    }
    for path, words in cases.items():
        result = fdp.fdpctl("generate", str(path), cwd=tmp_path)
        assert result.returncode == 1, result.stdout
        assert words in result.stderr and "hint:" in result.stderr, result.stderr
        assert "Errno" not in result.stderr and "Traceback" not in result.stderr
