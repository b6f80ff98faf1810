"""Chained runs with the real pyDataPipeline: each job's registry records, journal entries and
fully qualified working config."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.run.conftest import Fdp, make_project

SEMVER = re.compile(r"\d+\.\d+\.\d+")

RUN1 = """\
run_metadata:
  description: run 1 writes A
  script: python3 model.py
write:
  - data_product: chain/A
    description: product A
    file_type: csv
"""
RUN2 = """\
run_metadata:
  description: run 2 reads A, writes B
  script: python3 model.py
read:
  - data_product: chain/A
    version: ${{LATEST}}
write:
  - data_product: chain/B
    description: product B
    file_type: csv
"""
RUN3 = """\
run_metadata:
  description: run 3 bumps A
  script: python3 model.py
write:
  - data_product: chain/A
    description: product A, next minor
    file_type: csv
    version: ${{MINOR}}
"""


def run(fdp: Fdp, project: Path, config: str, **env: str) -> dict[str, Any]:
    result = fdp.fdpctl("run", config, cwd=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "finalised" in result.stdout
    job_id = fdp.get("/v1/jobs?limit=1")["jobs"][0]["id"]
    return fdp.job(job_id)


def assert_fully_qualified(job: dict[str, Any]) -> dict[str, Any]:
    text = job["working_config"]
    assert "${{" not in text
    assert (Path(job["folder"]) / "config.yaml").read_text() == text
    config: dict[str, Any] = yaml.safe_load(text)
    for item in [*config.get("read", []), *config.get("write", [])]:
        assert set(item["use"]) == {"data_product", "namespace", "version"}
        assert SEMVER.fullmatch(item["use"]["version"])
    assert config["run_metadata"]["script_path"].startswith(job["folder"] + "/")
    return config


def versions(fdp: Fdp, name: str) -> set[str]:
    return {p["version"] for p in fdp.registry("data_product", name=name)}


def test_three_chained_runs(fdp: Fdp, tmp_path: Path) -> None:
    configs = {"run1.yaml": RUN1, "run2.yaml": RUN2, "run3.yaml": RUN3}
    project = make_project(tmp_path / "chain", configs)

    job1 = run(fdp, project, "run1.yaml", MODEL_WRITES="chain/A", MODEL_VALUE="1")
    assert versions(fdp, "chain/A") == {"0.0.1"}
    config1 = assert_fully_qualified(job1)
    expected_use = {"data_product": "chain/A", "namespace": "ana", "version": "0.0.1"}
    assert config1["write"][0]["use"] == expected_use

    job2 = run(fdp, project, "run2.yaml", MODEL_READS="chain/A", MODEL_WRITES="chain/B")
    config2 = assert_fully_qualified(job2)
    assert config2["read"][0]["use"]["version"] == "0.0.1"
    assert [(i["name"], i["version"]) for i in job2["inputs"]] == [("chain/A", "0.0.1")]
    assert versions(fdp, "chain/B") == {"0.0.1"}

    job3 = run(fdp, project, "run3.yaml", MODEL_WRITES="chain/A", MODEL_VALUE="3")
    assert assert_fully_qualified(job3)["write"][0]["use"]["version"] == "0.1.0"
    assert versions(fdp, "chain/A") == {"0.0.1", "0.1.0"}

    for job in (job1, job2, job3):
        assert job["state"] == "succeeded" and job["exit_status"] == 0
        folder = Path(job["folder"])
        assert job["code_runs"] == (folder / "coderuns.txt").read_text().split("\n")
        (run_uuid,) = job["code_runs"]
        items = {i["type"]: i for i in job["items"]}
        assert items["code_run"]["uuid"] == run_uuid
        assert {i["state"] for i in job["items"]} == {"local"}
        assert "data_product" in items and "storage_location" in items
        (code_run,) = fdp.registry("code_run", uuid=run_uuid)
        assert code_run["url"].endswith(items["code_run"]["path"].removeprefix("/api/"))
        assert job["record"]["user_config_text"] in {RUN1, RUN2, RUN3}
        assert job["record"]["environment"]["FDP_LOCAL_TOKEN"] == "<hidden>"

    # run 2's code run read exactly the A that run 1 wrote
    (run2,) = fdp.registry("code_run", uuid=job2["code_runs"][0])
    (product_a,) = fdp.registry("data_product", name="chain/A", version="0.0.1")
    component = fdp.registry(
        "object_component", object=product_a["object"].rstrip("/").rsplit("/", 1)[-1]
    )
    assert run2["inputs"] == [component[0]["url"]]

    journal = fdp.instance.locations.journal_path.read_bytes()
    assert fdp.token().encode() not in journal
