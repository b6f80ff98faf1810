"""`fdpctl run` cut short by SIGKILL of fdpd while the job's script runs: the next fdpd records
the job as interrupted and stops the script's whole process group (it runs in a session of its
own, so fdpd's death alone does not end it); running the job again works."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import (
    fault_site,
    journal,
    kill_fdpd,
    local_view,
    process_alive,
    start_fdpctl,
    wait_for,
)
from tests.faults.consistency import assert_journal_settled, assert_registry_consistent
from tests.push.processes import Site
from tests.run.conftest import make_project

# The job's script starts a child (same process group) and both sleep until told otherwise.
SLEEPER = """\
import os, subprocess, sys, time
seconds = os.environ.get("SLEEP_SECONDS", "120")
child = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])
with open(os.environ["SLEEPER_PIDS"], "w") as out:
    out.write(f"{os.getpid()} {child.pid}\\n")
print("sleeping", flush=True)
child.wait()
"""
CONFIG = """\
run_metadata:
  description: sleeps until stopped
  script: python3 sleeper.py
"""


@pytest.fixture
def ana() -> Iterator[Site]:
    with fault_site("ana") as site:
        yield site


def process_group(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])


def process_group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def read_pids(path: Path) -> list[int] | None:
    text = path.read_text() if path.exists() else ""
    return [int(pid) for pid in text.split()] if text.endswith("\n") else None


def test_fdpd_killed_while_the_script_runs(ana: Site, tmp_path: Path) -> None:
    project = make_project(tmp_path / "sleeper", {"config.yaml": CONFIG})
    (project / "sleeper.py").write_text(SLEEPER)
    pids_file = tmp_path / "pids"

    running = start_fdpctl(
        ana, "run", "config.yaml", cwd=project, env={"SLEEPER_PIDS": str(pids_file)}
    )
    script, child = wait_for(lambda: read_pids(pids_file), what="the script's start")
    group = process_group(script)
    assert process_group(child) == group
    kill_fdpd(ana)
    running.communicate(timeout=30)

    assert running.returncode != 0
    [job] = ana.json("log")["jobs"]  # fdpctl starts a new fdpd
    assert job["state"] == "interrupted"
    wait_for(lambda: not process_group_members(group), timeout=10, what="the job's end")
    assert not process_alive(script) and not process_alive(child)

    pids_file.unlink()
    again = ana.fdpctl(
        "run",
        "config.yaml",
        cwd=project,
        env={"SLEEPER_PIDS": str(pids_file), "SLEEP_SECONDS": "0"},
    )

    assert again.returncode == 0, again.stdout + again.stderr
    jobs = ana.json("log")["jobs"]
    assert [j["state"] for j in jobs] == ["succeeded", "interrupted"]
    assert journal(ana).operations("run") == ["interrupted", "succeeded"]
    assert_journal_settled(journal(ana))
    assert_registry_consistent(local_view(ana), ana.store)


def test_script_killed_by_a_signal_is_recorded_failed(ana: Site, tmp_path: Path) -> None:
    """The other way round: the script dies (SIGKILL), fdpd stays: the job fails, not hangs."""
    project = make_project(tmp_path / "sleeper", {"config.yaml": CONFIG})
    (project / "sleeper.py").write_text(SLEEPER)
    pids_file = tmp_path / "pids"

    running = start_fdpctl(
        ana, "run", "config.yaml", cwd=project, env={"SLEEPER_PIDS": str(pids_file)}
    )
    script, _ = wait_for(lambda: read_pids(pids_file), what="the script's start")
    os.killpg(process_group(script), signal.SIGKILL)
    running.communicate(timeout=30)

    assert running.returncode != 0
    [job] = ana.json("log")["jobs"]
    assert job["state"] == "failed" and job["exit_status"] == -signal.SIGKILL
    assert_journal_settled(journal(ana))
