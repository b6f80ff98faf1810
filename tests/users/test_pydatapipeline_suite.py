"""pyDataPipeline's own suite (the 52 tests of its source tarball, FDP_TEST_PEERS) passes against
fdp set up as a user would, for a user not named `admin` (issue 24): `fdpctl config ana`, then
`fdpctl registry start` for ~/.fair/registry/token (what `fair init --ci` and `fair registry
start` give its CI). The suite expects localhost:8000, so it runs in a private network namespace
(pdp_suite.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PEERS = Path(os.environ.get("FDP_TEST_PEERS", REPO.parent / "shared" / "peers"))
SUITE_SIZE = 52


def _source(into: Path) -> Path:
    tarballs = sorted(PEERS.glob("pyDataPipeline-*.tar.gz"))
    if not tarballs:
        pytest.skip(f"no pyDataPipeline source tarball in {PEERS}")
    with tarfile.open(tarballs[-1]) as tar:
        tar.extractall(into, filter="data")
    return into / "pyDataPipeline"


def _private_network() -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is needed for a private network namespace")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no private network namespace here: {probe.stderr.decode()[:200]}")


def test_the_suite_passes_whole_for_a_user_not_named_admin(tmp_path: Path) -> None:
    _private_network()
    source = _source(tmp_path / "src")
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"work": str(tmp_path), "source": str(source), "username": "ana"}))
    answer_file = tmp_path / "answer.json"
    runner = [sys.executable, "-m", "tests.users.pdp_suite"]
    done = subprocess.run(
        ["unshare", "-n", *runner, str(job), str(answer_file)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(answer_file.read_text())
    for step, (status, said) in answer["steps"].items():
        if step != "pytest":
            assert status == 0, f"{step}: {said}"
    results = answer["results"]
    failed = sorted(name for name, outcome in results.items() if outcome != "passed")
    assert failed == [], answer["steps"]["pytest"][1]
    assert len(results) == SUITE_SIZE
    assert "tests.test_fdp_utils::test_get_entry_author" in results
