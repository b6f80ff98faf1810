"""A push killed with SIGKILL mid-way, then resumed: real registry processes, and the push in a
process of its own (tests/sync/push_child.py), since a kill -9 is the point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sync.conftest import Side
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import RECORD_TYPES, add_code_run
from tests.sync.test_push import run_push


@pytest.mark.parametrize("kill_after", [3, 11])
def test_push_killed_mid_way_then_resumed(
    local_process: Side, remote_process: Side, tmp_path: Path, kill_after: int
) -> None:
    local, remote = local_process, remote_process
    run = add_code_run(local.seeder, local.files, tag="crash")
    ledger_file = tmp_path / "ledger.jsonl"
    command = [
        sys.executable,
        "-m",
        "tests.sync.push_child",
        local.base_url,
        remote.base_url,
        run["url"],
        str(ledger_file),
        str(kill_after),
    ]
    env = {**os.environ, "LOCAL_TOKEN": local.token, "REMOTE_TOKEN": remote.token}
    killed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # fdp's registry keeps the records of a first push in one transaction (the copy at once):
    # the kill comes after that commit and before the ledger was written, so the resumed push
    # must find them all (its request at once is refused: the run exists) and create nothing.
    partial = remote.seeder.counts()
    assert sum(partial.values()) > 0

    resumed = subprocess.run(
        [*command[:-1], "0"], env=env, capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.split()[0] == "pushed"

    # Nothing missing: a push that trusts no ledger finds every record and creates none.
    check, _ = run_push(local, remote, [run["url"]], MemoryLedger())
    assert check.records_created == 0 and check.records_patched == 0
    # No duplicates: the remote holds exactly one copy of each local record of the run
    # (this local registry holds only that run; authors: the local one provisioned for admin).
    remote_counts, local_counts = remote.seeder.counts(), local.seeder.counts()
    for record_type in set(RECORD_TYPES) - {"author"}:
        assert remote_counts[record_type] == local_counts[record_type], record_type
    assert remote_counts["author"] == 1
