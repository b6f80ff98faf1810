"""Wall time of `fdpctl daemon status` against a running fdpd (target: median <= 80 ms).

Starts fdpd in a fresh temporary FDP_HOME, runs each workload N times as a new process (what a
user pays per command) and prints median and p90 per workload plus the machine it ran on.

    .venv/bin/python benchmarks/fdpctl_roundtrip.py [--runs N]
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

from benchmarks.registry_throughput import cpu_model

BIN = Path(sys.executable).parent
WORKLOADS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "fdpctl daemon status": [str(BIN / "fdpctl"), "daemon", "status"],
    "fdpctl --json daemon status": [str(BIN / "fdpctl"), "--json", "daemon", "status"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs per workload (default 30)")
    runs = parser.parse_args().runs
    home = Path(tempfile.mkdtemp(prefix="fdp-bench-", dir="/tmp"))
    env = {**os.environ, "FDP_HOME": str(home)}
    env.pop("FDP_DAEMON_URL", None)
    env.pop("FDP_SOCKET", None)
    daemon = subprocess.Popen(
        [str(BIN / "fdpd")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_until_answering(env)
        rows = [(name, _time_runs(command, env, runs)) for name, command in WORKLOADS.items()]
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
    _print_table(rows, runs)
    return 0


def _wait_until_answering(env: dict[str, str]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = subprocess.run(
            [str(BIN / "fdpctl"), "daemon", "status"], env=env, capture_output=True
        )
        if status.returncode == 0:
            return
        time.sleep(0.05)
    raise SystemExit("fdpd did not start within 10 s")


def _time_runs(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _print_table(rows: list[tuple[str, list[float]]], runs: int) -> None:
    machine = f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if hasattr(os, "getloadavg"):  # other work on the machine skews every figure
        machine += f", load average {os.getloadavg()[0]:.2f}"
    width = max(len(name) for name, _ in rows)
    print(f"{'workload':<{width}}  {'median':>8}  {'p90':>8}  runs")
    for name, timings in rows:
        p90 = statistics.quantiles(timings, n=10)[-1]
        median = statistics.median(timings)
        print(f"{name:<{width}}  {median:>6.1f}ms  {p90:>6.1f}ms  {runs}")
    print(f"machine: {machine}")


if __name__ == "__main__":
    sys.exit(main())
