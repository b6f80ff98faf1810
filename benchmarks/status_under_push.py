"""`status` while fdpd pushes N data products: how long fdpd takes to answer, and a whole
`fdpctl status` process, sampled every 100 ms for the length of the push.

    .venv/bin/python -m benchmarks.status_under_push             # N = 1000
    .venv/bin/python -m benchmarks.status_under_push --n 200

A fresh fdp instance (user ana) and a shared remote registry on loopback; N products with a small
file each are registered in ana's local registry over REST as the outputs of one code run,
committed by the run's uuid, and pushed with `fdpctl push` (tests/load/push_workload.py).
Target (issue #7): status under 100 ms p99 during the push.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

from tests.faults.conftest import fault_site
from tests.load.push_workload import PushUnderStatus, percentile, push_with_status_sampling
from tests.push.processes import remote_registry


def run_one(count: int, workdir: Path) -> PushUnderStatus:
    with remote_registry(workdir) as remote, fault_site("ana") as site:
        site.add_remote(remote)
        return push_with_status_sampling(site, count)


def row(name: str, times: list[float]) -> str:
    p50, p99 = percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000
    return f"| {name} | {len(times)} | {p50:.1f} ms | {p99:.1f} ms | {max(times) * 1000:.1f} ms |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="data products to push")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fdp-bench-", dir="/tmp") as workdir:
        measured = run_one(args.n, Path(workdir))
    seconds = measured.seconds
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{args.n} products: register {seconds['register']:.1f} s, commit "
        f"{seconds['commit']:.1f} s, push {seconds['push']:.1f} s "
        f"({measured.push_result['remote_requests']} remote requests)"
    )
    print("| status call during the push | samples | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    print(row("fdpd answers `GET /v1/status` (socket)", measured.times.daemon))
    print(row("`fdpctl --json status` (whole process)", measured.times.fdpctl))
    if measured.times.failures:
        print(f"failed calls: {measured.times.failures[:5]}")


if __name__ == "__main__":
    main()
