"""Per-job overhead of `fdpctl run --scheduler slurm` beyond SLURM's own scheduling.

Runs one small pyDataPipeline model N times locally and N times through SLURM (a real cluster:
`scripts/slurm-one-node.sh`), each a new fdpctl process waiting for the summary, and prints the
median wall time of each. For the SLURM runs it also prints SLURM's own part (`StartTime -
SubmitTime` and `EndTime - StartTime` of `scontrol show job`, whole seconds), and the overhead
fdp adds: submit-to-recorded wall time minus the local run's and minus SLURM's queueing.

    .venv/bin/python benchmarks/slurm_overhead.py [--runs N]
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
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.run.conftest import make_project

CONFIG = """\
run_metadata:
  description: overhead ${{DATETIME}}
  script: python3 model.py
write:
  - data_product: bench/out
    description: one output
    file_type: csv
    version: ${{PATCH}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per scheduler (default 5)")
    runs = parser.parse_args().runs
    if shutil.which("sbatch") is None:
        print("no sbatch on PATH: start a cluster with scripts/slurm-one-node.sh", file=sys.stderr)
        return 1
    root = Path(tempfile.mkdtemp(prefix="fdp-bench-slurm-", dir="/tmp"))
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
    try:
        with FdpInstance(root / "home", extra) as instance:
            instance.start_daemon()
            env = {**instance.env, "MODEL_WRITES": "bench/out"}
            store = root / "store"
            _fdpctl(env, root, "config", "ana", "--data-store", str(store), "--name", "Ana")
            project = make_project(root / "project", {"config.yaml": CONFIG})
            local = [_timed(env, project, "local")[0] for _ in range(runs)]
            slurm = [_timed(env, project, "slurm") for _ in range(runs)]
            instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    wall = statistics.median(s[0] for s in slurm)
    queued = statistics.median(s[1] for s in slurm)
    ran = statistics.median(s[2] for s in slurm)
    print(f"machine: {platform.node()}, {os.cpu_count()} cpus; {runs} runs each; medians")
    print(f"local run, fdpctl start to summary:           {statistics.median(local):6.2f} s")
    print(f"SLURM run, fdpctl start to summary:           {wall:6.2f} s")
    print(f"  SLURM's queueing (StartTime - SubmitTime):  {queued:6.2f} s (whole seconds)")
    print(f"  SLURM's run time (EndTime - StartTime):     {ran:6.2f} s (whole seconds)")
    overhead = wall - statistics.median(local) - queued
    print(f"overhead beyond SLURM's queueing:             {overhead:6.2f} s")
    return 0


def _fdpctl(env: dict[str, str], cwd: Path, *args: str) -> str:
    result = subprocess.run(
        [str(FDPCTL), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"fdpctl {' '.join(args)}: {result.stdout}{result.stderr}")
    return result.stdout + result.stderr


def _timed(env: dict[str, str], project: Path, scheduler: str) -> tuple[float, float, float]:
    """Wall time of one run; for SLURM also its queueing and run time as SLURM saw them."""
    started = time.monotonic()
    out = _fdpctl(env, project, "run", "config.yaml", "--scheduler", scheduler)
    wall = time.monotonic() - started
    if scheduler == "local":
        return wall, 0.0, 0.0
    [line] = [line for line in out.splitlines() if " submitted as SLURM job " in line]
    fields = dict(
        item.split("=", 1)
        for item in subprocess.run(
            ["scontrol", "show", "job", "-o", line.rsplit(" ", 1)[-1]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if "=" in item
    )
    submit, start, end = (
        datetime.fromisoformat(fields[k]) for k in ("SubmitTime", "StartTime", "EndTime")
    )
    return wall, (start - submit).total_seconds(), (end - start).total_seconds()


if __name__ == "__main__":
    raise SystemExit(main())
