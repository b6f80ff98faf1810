"""The README's first quick-start command: the whole story on the embedded default, ending with
what Bob has (Ana's result, who made it, from what, with which code; the graph as a picture)
and commands that work as pasted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# `1 files`: a count of one with a plural noun, in any of the demo's steps
PLURAL_SLIP = re.compile(r"(?<![\d./])\b1 (files|items|records|registry records|requests|bytes)\b")


def counts(out: str, pattern: str) -> list[int]:
    return [int(number) for number in re.findall(pattern, out, re.MULTILINE)]


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
    assert not PLURAL_SLIP.search(out), PLURAL_SLIP.search(out)

    # One count of items throughout: what Ana has locally (the input she registered too) is
    # what she commits and pushes, and what Bob then has.
    local = counts(out, r"^  Local only, not committed: (\d+) items")
    committed = counts(out, r"^  committed code run \S+: (\d+) items")
    pushed = counts(out, r"^  origin \(\S+\): (\d+) items pushed")
    synced = counts(out, r"^  Synced: (\d+) items \(\d+ registry records\) pushed")
    bob = counts(out, r"^  Synced: (\d+) items \(\d+ registry records\) pulled")
    assert local == committed == pushed == synced == bob == [3], (local, committed, pushed, bob)

    # The picture to keep: Bob has Ana's result, who made it, from what, with which code.
    ending = out.split("== What Bob has", 1)[1]
    assert "made by:       hydromet:flow/gauge-readings@1.0.0 -> code run" in ending
    assert re.search(r"^  made by    Ana Example, code run [0-9a-f]{8} on \d{4}-", ending, re.M)
    assert "  from       hydromet:flow/gauge-readings@1.0.0\n" in ending
    assert re.search(r"^  with code  \S+river-model\.git at commit [0-9a-f]{12}$", ending, re.M)
    graph = tmp_path / "demo" / "bob" / "provenance.svg"
    assert f"the provenance graph, as a picture: {graph}\n" in ending
    assert graph.read_text().lstrip().startswith(("<?xml", "<svg")), graph.read_text()[:200]

    # Nothing is left running: both daemons and the embedded remote were stopped.
    for user in ("ana", "bob"):
        assert not (tmp_path / "demo" / user / "run" / "fdpd.sock").exists()

    # The closing hint works as pasted into a shell that has none of fdp's variables.
    pasted = ending.split("to look around as Bob, paste:\n", 1)[1].split("\n(", 1)[0]
    lines = [line.strip() for line in pasted.splitlines()]
    assert lines[0].startswith("export FDP_HOME=") and lines[-1].endswith("fdpctl daemon stop")
    shell = {k: v for k, v in os.environ.items() if not k.startswith("FDP_")}
    looked = subprocess.run(
        ["bash", "-e", "-c", "\n".join(lines)],
        env=shell,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert looked.returncode == 0, looked.stdout + looked.stderr
    assert "authors:       Ana Example" in looked.stdout
    assert "Synced: 3 items" in looked.stdout
    assert not (tmp_path / "demo" / "bob" / "run" / "fdpd.sock").exists()
