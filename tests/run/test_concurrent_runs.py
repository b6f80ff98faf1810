"""Runs of one config at the same moment (issue 12, item 1): real `fdpctl run` processes of real
pyDataPipeline models, started within a second, each running for seconds so that they overlap.

fdpd reserves each output's version when it makes the working config, so concurrent jobs of a
bump version (`${{PATCH}}`, the default) get distinct versions, and concurrent jobs of an
explicit version are refused, naming the job that holds it. When the jobs writing a product have
ended, no file they wrote is left in the data store registered nowhere. An fdpd of its own, so
its data store and registry start empty; each test writes its own products."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance, json_lines
from tests.run.conftest import USER, Fdp, job_folders, make_project

TOGETHER = 5
STAGGER = 0.2  # seconds between starts: all five within a second, as from five terminals
HOLD = 3  # seconds each job sleeps before the model starts, so that all of them overlap


def config(name: str, version: str | None = None, *, pause: bool = True) -> str:
    script = f"sleep {HOLD}; python3 model.py" if pause else "python3 model.py"
    text = f"""\
run_metadata:
  description: concurrent writes of {name}
  script: {script}
write:
  - data_product: {name}
    description: product {name}
    file_type: csv
"""
    return text + (f"    version: {version}\n" if version else "")


@pytest.fixture(scope="module")
def fdp() -> Iterator[Fdp]:
    home = Path(tempfile.mkdtemp(prefix="fdp-cc-", dir="/tmp"))
    try:
        path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
        with FdpInstance(home, extra) as instance:
            instance.start_daemon()
            shared = Fdp(instance, home / "store")
            setup = shared.fdpctl("config", USER, "--data-store", str(shared.store))
            assert setup.returncode == 0, setup.stderr
            yield shared
            instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def start_runs(fdp: Fdp, project: Path, count: int, **env: str) -> list[subprocess.Popen[str]]:
    """`fdpctl --json run config.yaml` `count` times, STAGGER seconds apart; each model writes
    its own content (MODEL_VALUE = its index), so that the outputs differ."""
    runs = []
    for index in range(count):
        runs.append(
            subprocess.Popen(
                [str(FDPCTL), "--json", "run", "config.yaml"],
                cwd=project,
                env={**fdp.instance.env, "MODEL_VALUE": str(index), **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        time.sleep(STAGGER)
    return runs


def outcomes(runs: list[subprocess.Popen[str]]) -> list[tuple[int, dict[str, Any], str]]:
    """Each run's exit status, last event and stderr."""
    found = []
    for run in runs:
        out, err = run.communicate(timeout=180)
        events = json_lines(out)
        found.append((run.returncode, events[-1] if events else {}, err))
    return found


def product_versions(fdp: Fdp, name: str) -> list[str]:
    return sorted(p["version"] for p in fdp.registry("data_product", name=name))


def output_of(fdp: Fdp, job_id: str) -> str:
    """The data product url the job's one code run outputs."""
    [run_uuid] = fdp.job(job_id)["code_runs"]
    [run] = fdp.registry("code_run", uuid=run_uuid)
    [component_url] = run["outputs"]
    obj_id = _id(_get(component_url)["object"])
    [product] = fdp.registry("data_product", object=obj_id)
    return str(product["url"])


def unregistered_files(fdp: Fdp, name: str) -> list[str]:
    """Files in the product's data store folder that no object's storage location names."""
    folder = fdp.store / USER / name
    missing = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        relative = str(path.relative_to(fdp.store))
        locations = fdp.registry("storage_location", path=relative)
        if not any(fdp.registry("object", storage_location=_id(loc["url"])) for loc in locations):
            missing.append(relative)
    return missing


def _get(url: str) -> dict[str, Any]:
    answer = httpx.get(url, headers={"Accept": "application/json; version=1.0.0"})
    assert answer.status_code == 200, answer.text
    record: dict[str, Any] = answer.json()
    return record


def _id(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_five_runs_of_a_bump_version_get_five_versions(fdp: Fdp, tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"config.yaml": config("race/patch")})

    results = outcomes(start_runs(fdp, project, TOGETHER, MODEL_WRITES="race/patch"))

    for status, last, err in results:
        assert status == 0, (last, err[-2000:])
    jobs = [last["result"]["job"] for _, last, _ in results]
    assert product_versions(fdp, "race/patch") == ["0.0.1", "0.0.2", "0.0.3", "0.0.4", "0.0.5"]
    outputs = {output_of(fdp, job) for job in jobs}
    assert len(outputs) == TOGETHER  # each code run points at a product of its own
    assert len(list((fdp.store / USER / "race" / "patch").iterdir())) == TOGETHER
    assert unregistered_files(fdp, "race/patch") == []
    for job in jobs:
        assert not [w for w in fdp.job(job)["warnings"] if "written by" in w]


def test_runs_of_one_explicit_version_are_refused_naming_the_holder(
    fdp: Fdp, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "p", {"config.yaml": config("race/exact", "1.0.0")})
    folders_before = job_folders(fdp.store)
    runs_before = len(fdp.registry("code_run"))

    results = outcomes(start_runs(fdp, project, TOGETHER, MODEL_WRITES="race/exact"))

    succeeded = [last["result"]["job"] for status, last, _ in results if status == 0]
    assert len(succeeded) == 1, results
    [holder] = succeeded
    refusals = [(status, last, err) for status, last, err in results if status != 0]
    assert len(refusals) == TOGETHER - 1
    for status, last, err in refusals:
        assert status == 1, (last, err)
        message = last["error"]["message"]
        assert (
            "write[0].version: version 1.0.0 of `ana:race/exact` is being written by job "
            f"{holder}" in message
        ), message
        assert "wait for it or choose another version" in message, message
        assert "Traceback" not in err
    assert product_versions(fdp, "race/exact") == ["1.0.0"]
    assert job_folders(fdp.store) - folders_before == {fdp.store / "jobs" / holder}
    assert len(fdp.registry("code_run")) == runs_before + 1
    assert unregistered_files(fdp, "race/exact") == []
    assert not list(fdp.store.rglob("*.part"))


def test_a_failed_job_leaves_no_file_registered_nowhere(fdp: Fdp, tmp_path: Path) -> None:
    """The model writes its output and exits 1 before `finalise`: pyDataPipeline's
    `dat-<random>.csv` is registered by nothing, so fdpd removes it and says so."""
    project = make_project(tmp_path / "p", {"config.yaml": config("left/failed", pause=False)})

    [(status, last, err)] = outcomes(
        start_runs(fdp, project, 1, MODEL_WRITES="left/failed", MODEL_FAIL="1")
    )

    assert status == 4, (last, err)  # the model failed (fdpctl --help)
    job = fdp.get("/v1/jobs?limit=1")["jobs"][0]
    assert job["state"] == "failed"
    assert list((fdp.store / USER / "left" / "failed").iterdir()) == []
    [note] = [w for w in fdp.job(job["id"])["warnings"] if w.startswith("removed ")]
    assert "/ana/left/failed/dat-" in note and "no registry object names it" in note, note


def test_a_failed_job_spares_the_file_a_running_job_is_writing(fdp: Fdp, tmp_path: Path) -> None:
    """Two jobs writing one product: the one that fails ends while the other's output is still
    `dat-<random>.csv`, before its `finalise`. Only when both have ended is the folder checked:
    the survivor's file is registered, the failed job's is gone."""
    project = make_project(tmp_path / "p", {"config.yaml": config("left/shared", pause=False)})
    writes = {"MODEL_WRITES": "left/shared"}

    slow = start_runs(fdp, project, 1, MODEL_PAUSE="6", MODEL_VALUE="slow", **writes)
    failing = start_runs(fdp, project, 1, MODEL_FAIL="1", MODEL_VALUE="failing", **writes)
    [(failed_status, _, _)] = outcomes(failing)
    [(status, last, err)] = outcomes(slow)

    assert failed_status == 4  # the model failed
    assert status == 0, (last, err[-2000:])
    files = list((fdp.store / USER / "left" / "shared").iterdir())
    assert len(files) == 1 and files[0].read_text() == "left/shared,slow\n"
    assert unregistered_files(fdp, "left/shared") == []
    notes = [w for w in fdp.job(last["result"]["job"])["warnings"] if w.startswith("removed ")]
    assert len(notes) == 1, notes  # the last job to end removed the failed job's file
