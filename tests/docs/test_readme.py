"""README.md is the front door: short, the two quick-start commands, the test command .ci/run runs,
and a tour whose commands work as written (run here, block by block, with the real fdpctl, fdpd,
a shared registry and pyDataPipeline)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"
MAX_LINES = 250


def section(title: str) -> str:
    """README's text under `## title`, up to the next `## ` heading."""
    text = README.read_text(encoding="utf-8")
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def test_readme_is_a_front_door_not_the_manual() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_LINES, f"README.md has {len(lines)} lines; the manual is docs/"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## Quick start",
        "## Install",
        "## A ten-minute tour",
        "## On a cluster",
        "## Tests",
        "## Where to read on",
    ]


def test_quick_start_is_exactly_the_two_commands() -> None:
    (block,) = sh_blocks(section("Quick start"))
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    assert commands == ["./demo", "sudo bash .ci/run"]


def test_the_test_command_is_the_one_ci_runs() -> None:
    (block,) = sh_blocks(section("Tests"))
    ci_lines = (ROOT / ".ci/run").read_text(encoding="utf-8").strip().splitlines()
    assert block.strip() == "python -m pytest -q -n 3 --dist loadfile"
    assert block.strip() in [line.strip() for line in ci_lines[-3:]]


def test_the_tour_says_what_a_newcomer_needs_where_it_matters() -> None:
    tour = section("A ten-minute tour")
    steps = re.split(r"\n\*\*\d\. ", tour)
    adding = next(step for step in steps if "fdpctl remote add" in step)
    assert "token" in adding.split("```sh")[0]  # where the token comes from, before the command
    running = next(step for step in steps if "fdpctl run config.yaml" in step)
    assert "`run` needs a git commit" in running
    assert "FDP_REGISTRY_PORT" in tour.split("port 8100")[1].split("```")[0]
    assert "fdpctl init" in tour and "fdpctl pull" in tour


def _tour_script() -> str:
    """The tour's blocks in order, as one bash script. The one change: the job id `commit` takes
    is the one `run` printed on its `next:` line, as the tour says, not the example id."""
    script = "set -euo pipefail\n" + "\n".join(sh_blocks(section("A ten-minute tour")))
    example_job = re.compile(r"\d{4}-\d\d-\d\d_\d\d_\d\d_\d\d_\d{6}")
    commit_line = next(line for line in script.splitlines() if line.startswith("fdpctl commit "))
    script = script.replace(commit_line, example_job.sub('"$JOB"', commit_line))
    run = "fdpctl run config.yaml\n"
    assert script.count(run) == 1
    return script.replace(
        run,
        "fdpctl run config.yaml 2> run.err; cat run.err >&2\n"
        "JOB=$(sed -n 's/^next: fdpctl commit \\([^ ]*\\).*/\\1/p' run.err)\n",
    )


@pytest.mark.port8000  # Ana's local registry takes the default port, as in the tour
def test_the_tour_runs_as_written(fdp_home: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("the tour needs git")
    home = fdp_home / "home"  # a short path: fdpd's socket lies under it, in ~/.local/state
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FDP_", "XDG_", "VIRTUAL"))}
    env.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    for who in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{who}_NAME"], env[f"GIT_{who}_EMAIL"] = "Ana Smith", "ana@example.org"
    tour = subprocess.Popen(
        ["bash", "-c", _tour_script()],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = tour.communicate(timeout=600)
    finally:
        if tour.poll() is None:
            tour.kill()
        for extra in ({"FDP_HOME": str(home / "bob")}, {}):
            fdpctl = [sys.executable, "-m", "fdpctl", "daemon", "stop"]
            subprocess.run(fdpctl, env={**env, **extra}, capture_output=True, check=False)
        # the team registry, started in the background, if the tour did not get to stop it
        with contextlib.suppress(ProcessLookupError):
            os.killpg(tour.pid, signal.SIGTERM)
    assert tour.returncode == 0, out[-4000:]
    assert "wrote ana:river-model/example@0.0.1" in out
    assert re.search(r"pushed\s+ana:river-model/example@0\.0\.1", out), out[-4000:]
    assert re.search(r"ana:river-model/example@0\.0\.1\s+pulled", out), out[-4000:]
    bob_copy = list((home / "bob" / "fdp-data" / "ana" / "river-model" / "example").glob("*.csv"))
    ana_file = list((home / "fdp-data" / "ana" / "river-model" / "example").glob("*.csv"))
    assert len(bob_copy) == len(ana_file) == 1
    assert bob_copy[0].read_bytes() == ana_file[0].read_bytes()
