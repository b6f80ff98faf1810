"""Run every benchmark of benchmarks/README.md and print one table of their figures.

    .venv/bin/python benchmarks/run_all.py            # the README's sizes (~10 minutes)
    .venv/bin/python benchmarks/run_all.py --quick    # small sizes (~1-2 minutes), a smoke test

Each benchmark runs as its own process (what the README shows as its command); the table has one
row per figure, the command that produced it, and the load average when it ran.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# name -> (full-size arguments, quick arguments); a module run with `python -m benchmarks.NAME`
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "fdpctl_roundtrip": (["--runs", "30"], ["--runs", "5"]),
    "startup": (["--runs", "15"], ["--runs", "3"]),
    "generate_wildcards": (["--n", "1000", "--runs", "5"], ["--n", "100", "--runs", "2"]),
    "registry_throughput": (
        ["--create", "10000", "--total", "100000"],
        ["--create", "300", "--total", "2000", "--samples", "50"],
    ),
    "sync_throughput": (["--n", "1000"], ["--n", "50"]),
    "sync_latency": (["--small", "12", "--large", "1000"], ["--small", "12", "--large", "50"]),
    "status_under_push": (["--n", "1000"], ["--n", "100"]),
    "transfer_1gib": (["--mib", "1024"], ["--mib", "64", "--repeat", "1"]),
    # needs PostgreSQL (FDP_TEST_POSTGRES_URL); the hour-long benchmarks/soak.py is not run here
    "web_pages": (
        ["--total", "100000", "--samples", "100"],
        ["--total", "2000", "--samples", "20"],
    ),
    "shared_registry_load": (["--seconds", "120"], ["--users", "5", "--seconds", "10"]),
    "rerun_overhead": (["--runs", "10"], ["--runs", "2"]),
}
JSON_CAPABLE = frozenset({"generate_wildcards", "transfer_1gib"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="repeatable")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    failed = 0
    for name in args.only or BENCHMARKS:
        full, quick = BENCHMARKS[name]
        arguments = quick if args.quick else full
        if name in JSON_CAPABLE:
            arguments = [*arguments, "--json"]
        command = f"python -m benchmarks.{name} {' '.join(arguments)}"
        print(f"running {command}", file=sys.stderr, flush=True)
        load = f"{os.getloadavg()[0]:.2f}"
        started = time.monotonic()
        result = subprocess.run(
            [PYTHON, "-m", f"benchmarks.{name}", *arguments],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        took = time.monotonic() - started
        if result.returncode != 0:
            failed += 1
            rows.append((name, "FAILED: " + (result.stderr.strip().splitlines() or ["?"])[-1],
                         command, load))  # fmt: skip
            continue
        figures = (
            json_figures(name, result.stdout)
            if name in JSON_CAPABLE
            else text_figures(result.stdout)
        )
        rows += [(name, figure, command, load) for figure in figures]
        print(f"  done in {took:.0f} s", file=sys.stderr, flush=True)
    print_table(rows)
    return 1 if failed else 0


def json_figures(name: str, stdout: str) -> list[str]:
    data: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    if name == "transfer_1gib":
        return [
            f"{row['path']}: {row['mib_s']:.0f} MiB/s ({row['of_cp']:.0%} of cp) "
            f"for {data['mib']} MiB"
            for row in data["rows"]
        ]
    return [
        f"generate {row['config']}: {row['entries']} entries, median "
        f"{row['median_s'] * 1000:.0f} ms"
        for row in data["rows"]
    ]


def text_figures(stdout: str) -> list[str]:
    """The table lines of a benchmark that prints text: every line with a digit in it."""
    return [
        " ".join(line.strip("| ").replace("|", "/").split())  # keep the table's own pipes out
        for line in stdout.splitlines()
        if any(c.isdigit() for c in line)
        and not line.startswith(("machine", "backend", "workload"))
    ]


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    print(f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print("| benchmark | figure | command | load |")
    print("|---|---|---|---|")
    for name, figure, command, load in rows:
        print(f"| {name} | {figure} | `{command}` | {load} |")


if __name__ == "__main__":
    sys.exit(main())
