"""Rerun overhead: wall time of `fdpctl rerun JOB` over the original `fdpctl run` of a small
deterministic pyDataPipeline model (one input, one output).

Starts fdpd in a fresh temporary FDP_HOME with user `ana`, makes a git project with the model of
tests/rerun, runs it `--runs` times (`fdpctl run`) and reruns the first job as often (`fdpctl
rerun`: gather the records, a git worktree at the recorded commit, the run, the comparison and
the removal of what the rerun registered), then prints the medians and the overhead.

    .venv/bin/python -m benchmarks.rerun_overhead [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.rerun.conftest import project

WRITE = """\
run_metadata:
  description: writes the input
  script: python3 model.py
write:
  - data_product: bench/input
    description: input
    file_type: csv
"""
READ_WRITE = """\
run_metadata:
  description: reads the input, writes the output
  script: python3 model.py
read:
  - data_product: bench/input
    version: "0.0.1"
write:
  - data_product: bench/output
    description: output
    file_type: csv
"""
MODEL_ENV = {"MODEL_READS": "bench/input", "MODEL_WRITES": "bench/output"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each (default 10)")
    runs = parser.parse_args().runs
    home = Path(tempfile.mkdtemp(prefix="fdp-bench-rerun-", dir="/tmp"))
    try:
        path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
        with FdpInstance(home, extra) as instance:
            instance.start_daemon()
            env = {**instance.env, **MODEL_ENV}
            _fdpctl(env, None, "config", "ana", "--data-store", str(home / "store"))
            root = project(home / "project", {"in.yaml": WRITE, "run.yaml": READ_WRITE})
            _fdpctl(
                {**env, "MODEL_READS": "", "MODEL_WRITES": "bench/input"}, root, "run", "in.yaml"
            )
            originals = [_timed(env, root, "run", "run.yaml") for _ in range(runs)]
            job = _last_job(env)
            reruns = [_timed(env, root, "rerun", job) for _ in range(runs)]
            instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    run_median, rerun_median = statistics.median(originals), statistics.median(reruns)
    print(f"fdpctl run    median {run_median:7.2f} s  ({runs} runs)")
    print(f"fdpctl rerun  median {rerun_median:7.2f} s  ({runs} runs)")
    print(
        f"overhead      {rerun_median - run_median:+7.2f} s  "
        f"({rerun_median / run_median:.2f}x the original run's wall time)"
    )
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    if hasattr(os, "getloadavg"):
        machine += f", load average {os.getloadavg()[0]:.2f}"
    print(f"machine: {machine}")
    return 0


def _fdpctl(env: dict[str, str], cwd: Path | None, *args: str) -> str:
    done = subprocess.run(
        [str(FDPCTL), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise SystemExit(f"fdpctl {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def _timed(env: dict[str, str], cwd: Path, *args: str) -> float:
    started = time.perf_counter()
    _fdpctl(env, cwd, *args)
    return time.perf_counter() - started


def _last_job(env: dict[str, str]) -> str:
    import json

    listed = json.loads(_fdpctl(env, None, "--json", "log", "--limit", "1"))
    return str(listed["jobs"][0]["id"])


if __name__ == "__main__":
    sys.exit(main())
