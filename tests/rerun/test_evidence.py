"""A rerun is recorded as evidence: `fdpctl log` lists it with its verdict, `fdpctl info` of the
code run shows its last rerun (when, by whom, identical or not); real fdpctl and fdpd."""

from __future__ import annotations

from pathlib import Path

from tests.rerun.conftest import Fdp, project, rerun, run
from tests.rerun.test_reproduce import CLOCK, WRITE_A


def test_log_and_info_show_reruns_and_their_verdicts(fdp: Fdp, tmp_path: Path) -> None:
    same = WRITE_A.replace("rr/A", "rr/evidence")
    root = project(tmp_path / "p", {"same.yaml": same, "clock.yaml": CLOCK})
    steady = run(fdp, root, "same.yaml", MODEL_WRITES="rr/evidence")
    clock = run(fdp, root, "clock.yaml")
    steady_run, clock_run = str(steady["code_runs"][0]), str(clock["code_runs"][0])
    info = fdp.fdpctl("info", steady_run)
    assert "last rerun" in info.stdout and "never" in info.stdout

    assert rerun(fdp, steady_run, MODEL_WRITES="rr/evidence").returncode == 0
    assert rerun(fdp, clock_run).returncode == 5

    log = fdp.fdpctl("log")
    assert log.returncode == 0, log.stderr
    table = log.stdout.split("RERUN JOB", 1)[1]
    rows = {line.split()[1]: line.split() for line in table.splitlines()[1:] if line.strip()}
    assert rows[steady_run][2:5] == ["identical", "1", "of"]
    assert rows[clock_run][2:5] == ["differs", "1", "of"]
    steady_info = fdp.fdpctl("info", steady_run)
    assert "by ana: identical (1 of 1 outputs)" in steady_info.stdout
    clock_info = fdp.fdpctl("info", clock_run)
    assert "by ana: not identical (1 of 2 outputs identical)" in clock_info.stdout
    as_json = fdp.fdpctl("--json", "info", clock_run)
    assert '"verdict": "differs"' in as_json.stdout
