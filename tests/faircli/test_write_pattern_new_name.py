"""FDP_validation's output-wildcard scenario with both tools (issue 24): the config writes
`real/data/U2/*`, which matches nothing yet, and a real pyDataPipeline model writes
`real/data/U2/new`.

FAIR-CLI 0.11.0 keeps the pattern entry; pyDataPipeline's `link_write` takes it (the first write
item: no item is named `real/data/U2/new`), writes into a folder named `*`, and `finalise` fails
renaming the file into `real/data/U2/new/`, a folder nobody made: nothing is recorded under
the name and the file stays behind. No working config can make that model succeed, since
pyDataPipeline writes only names its working config lists. fdp does at least as well: it warns at
the pattern's line that the pattern names nothing and gives the write item that fixes it; the
model fails at once, leaving nothing in the data store; and with that item the same model
succeeds, its output recorded under its name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance

from .test_differential import _git, _skip_without_oracle, ask_oracle

DRIVER = Path(__file__).with_name("faircli_run_driver.py")
NEW = "real/data/U2/new"
MODEL = f"""\
import os
import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
folder = os.environ["FDP_CONFIG_DIR"]
handle = pipeline.initialise(token, os.path.join(folder, "config.yaml"), os.environ.get(
    "FDP_SCRIPT", os.path.join(folder, "script.sh")))
with open(pipeline.link_write(handle, "{NEW}"), "w") as f:
    f.write("u2,1\\n")
pipeline.finalise(token, handle)
print("finalised")
"""


def config(extra: str = "") -> str:
    return f"""\
run_metadata:
  description: writes a new name under a pattern
  script: {sys.executable} model.py
write:
  - data_product: real/data/U2/*
    description: a U2 output
    file_type: csv
{extra}"""


LISTED = "  - data_product: real/data/U2/new\n    description: a U2 output\n    file_type: csv\n"


def _faircli_run(work: Path, project: Path, config_file: Path) -> dict[str, Any]:
    answer: dict[str, Any] = ask_oracle(work, project, DRIVER, {"u2": config_file})["u2"]
    return answer


def test_a_new_name_under_a_write_pattern_in_faircli_and_in_fdp() -> None:
    _skip_without_oracle()
    work = Path(tempfile.mkdtemp(prefix="fdp-u2-", dir="/tmp"))
    try:
        project = work / "project"
        project.mkdir()
        (project / "model.py").write_text(MODEL)
        (project / "u2.yaml").write_text(config())
        (project / "u2-listed.yaml").write_text(config(LISTED))
        _git(project, "init", "-q", "-b", "main")
        _git(project, "remote", "add", "origin", "https://git.example.org/ana/model.git")
        _git(project, "add", "-A")
        _git(project, "commit", "-q", "-m", "model")

        faircli = _faircli_run(work, project, project / "u2.yaml")
        assert not faircli["ok"], faircli
        assert "FileNotFoundError" in faircli["log"] and "finalise" in faircli["log"]
        assert not [p for p in faircli["data_products"] if p.startswith("real/data/U2/")]
        assert [f for f in faircli["store_files"] if f.startswith("ana/real/data/U2/*/")]

        store = work / "fdp-store"
        path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
        with FdpInstance(work / "fdp-home", extra) as fdp:
            fdp.start_daemon()
            configured = fdp.run_fdpctl("config", "ana", "--data-store", str(store))
            assert configured.returncode == 0, configured.stderr

            ran = _fdpctl(fdp, project, "run", "u2.yaml")
            assert ran.returncode == 4, ran.stderr  # the model failed
            assert "u2.yaml:5:19: write[0].data_product: write pattern `real/data/U2/*` " in (
                ran.stderr
            )
            assert "`- data_product: real/data/U2/NAME`" in ran.stderr
            assert not (store / "ana" / "real").exists()  # nothing left behind

            fixed = _fdpctl(fdp, project, "run", "u2-listed.yaml")
            assert fixed.returncode == 0, fixed.stderr
            assert f"wrote ana:{NEW}@0.0.1" in fixed.stderr
            fdp.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fdpctl(fdp: FdpInstance, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FDPCTL), *args],
        cwd=project,
        env=fdp.env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
