"""The README's first quick-start command: the whole story on the embedded default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.port8000  # the demo prefers port 8000 for ana's registry
def test_demo_runs_the_main_job_end_to_end(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FDP_")}
    env["FDP_DEMO_HOME"] = str(tmp_path / "demo")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for step in ("Ana pulls", "Ana runs the model", "Ana commits and pushes", "Bob pulls"):
        assert f"== {step}" in out
    assert "mean flow of 3 stations written" in out
    assert "pushed  ana:flow/station-mean@0.0.1" in out
    assert "the hashes match" in out
    assert "made by:       hydromet:flow/gauge-readings@1.0.0 -> code run" in out
    # Nothing is left running: both daemons and the embedded remote were stopped.
    for user in ("ana", "bob"):
        assert not (tmp_path / "demo" / user / "run" / "fdpd.sock").exists()
