"""When slurmctld has forgotten a job (MinJobAge) and its wrapper left no exit status (its node
died first), fdpd asks `sacct` where the cluster keeps accounting, and records the job with the
end SLURM accounted for it (a node failure: failed, with SLURM's reason). In process: the
one-node test cluster keeps no accounting (a slurmdbd is not part of it), so `sacct` answering
is FAULT INJECTION below; tests/cluster/test_adoption.py has the real "no accounting" path."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from fdpd.features.run.executors.slurm import (
    SlurmExecutor,
    SlurmOptions,
    accounted_end,
    follow_job,
)


def test_sacct_lines_read_as_scontrol_names_them() -> None:
    said = "812|NODE_FAIL|0:15|NodeDown\n812.batch|CANCELLED|0:15|\n"
    assert accounted_end(said, "812") == {
        "JobState": "NODE_FAIL",
        "ExitCode": "0:15",
        "Reason": "NodeDown",
    }
    assert accounted_end("9_3|CANCELLED by 1000|0:0|None\n", "9_3") == {
        "JobState": "CANCELLED",
        "ExitCode": "0:0",
        "Reason": "None",
    }
    assert accounted_end("812|RUNNING|0:0|None\n", "812") is None  # not ended
    assert accounted_end("", "812") is None  # accounting has no such job
    assert accounted_end("Slurm accounting storage is disabled\n", "812") is None


def fake_slurm(folder: Path, sacct: str) -> str:
    """FAULT INJECTION: SLURM commands for a forgotten job: `scontrol show job` says the id is
    invalid (as after MinJobAge), `sacct` answers `sacct` (as with accounting configured)."""
    folder.mkdir()
    scripts = {
        "scontrol": "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1",
        "scancel": "exit 0",
        "sacct": f"printf '%s' '{sacct}'",
    }
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return str(folder)


def follow(tmp_path: Path, sacct: str) -> tuple[int, bool, str]:
    state = tmp_path / "slurm"
    state.mkdir()
    executor = SlurmExecutor(SlurmOptions(), fake_slurm(tmp_path / "bin", sacct))
    end = asyncio.run(
        follow_job(executor, "812", state, lambda line: None, lambda note, fields: None, 0.01)
    )
    return end.status, end.stopped, end.reason


def test_a_forgotten_job_whose_node_failed_is_failed_with_slurms_accounted_reason(
    tmp_path: Path,
) -> None:
    status, stopped, reason = follow(tmp_path, "812|NODE_FAIL|0:15|NodeDown\n")
    assert (status, stopped) == (-signal.SIGTERM, False)
    assert reason == "SLURM job 812 ended NODE_FAIL: its node failed (NodeDown)"


def test_a_forgotten_job_accounting_does_not_know_either_is_failed_saying_so(
    tmp_path: Path,
) -> None:
    status, stopped, reason = follow(tmp_path, "")
    assert (status, stopped) == (1, False)
    assert reason == "SLURM no longer knows job 812 and it left no state"
