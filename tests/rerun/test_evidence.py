"""A rerun is recorded as evidence: `fdpctl log` lists it with its verdict, `fdpctl info` of the
code run shows its last rerun (when, by whom, identical or not), and so does the web view's page
of the code run (served by the local registry, where fdpd records the verdict); real fdpctl,
fdpd and registry."""

from __future__ import annotations

from pathlib import Path

import httpx

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


def web_page(fdp: Fdp, code_run: str) -> str:
    """The web view's page of the code run with this uuid: its "Last rerun" section."""
    [record] = fdp.registry("code_run", uuid=code_run)
    run_id = str(record["url"]).rstrip("/").rsplit("/", 1)[1]
    base = fdp.registry_url.removesuffix("/api/")
    answer = httpx.get(f"{base}/ui/code_run/{run_id}", headers={"Accept": "text/html"})
    assert answer.status_code == 200, answer.text
    return answer.text.split("<h2>Last rerun</h2>", 1)[1]


def test_the_web_view_shows_the_last_rerun_of_a_code_run(fdp: Fdp, tmp_path: Path) -> None:
    same = WRITE_A.replace("rr/A", "rr/web")
    root = project(tmp_path / "p", {"same.yaml": same, "clock.yaml": CLOCK})
    steady = str(run(fdp, root, "same.yaml", MODEL_WRITES="rr/web")["code_runs"][0])
    clock = str(run(fdp, root, "clock.yaml")["code_runs"][0])
    assert "No rerun recorded in this registry" in web_page(fdp, steady)

    done = rerun(fdp, steady, MODEL_WRITES="rr/web")
    assert done.returncode == 0, done.stdout + done.stderr
    assert rerun(fdp, clock).returncode == 5

    job = fdp.get(f"/v1/reruns?code_run={steady}")["reruns"][0]
    shown = web_page(fdp, steady)
    assert f"{job['ended'][:19].replace('T', ' ')} UTC by ana" in shown
    assert "<b>identical</b> (1 of 1 outputs)" in shown
    assert f"<code>{job['job']}</code>" in shown
    assert "<b>not identical</b> (1 of 2 outputs identical)" in web_page(fdp, clock)
