"""Load on one shared registry served by several processes: many users pushing at once.

    .venv/bin/python -m benchmarks.shared_registry_load                # 20 users, 4 workers, 120 s
    .venv/bin/python -m benchmarks.shared_registry_load --users 5 --seconds 10

Starts `fdpd registry serve --shared --workers N` on a fresh PostgreSQL database (created on the
server of `--server-url`, default FDP_TEST_POSTGRES_URL, and dropped afterwards) with a folder
data store, and gives each user their own token (`fdpd registry add-user`). All users first
create the team namespaces and file types at the same instant; the team's namespaces are then
granted to everyone (`fdpd registry grant`). Then every user pushes code-run closures, one after
another, for `--seconds`, as fdp's push sends them (tests/registry/concurrent_pushers.py: files,
then records through fdp's GraphCopier), the closures overlapping on namespaces, authors, file
types, inputs and file contents. The pushers run in `--client-processes` processes.

Afterwards the database is asked for every natural key stored twice. Prints: pushes, records and
requests per second; p50/p99 latency of requests and of whole pushes; 5xx answers (must be 0),
409 answers (races the registry caught), failed pushes and duplicate keys (must be 0); and the
machine. Exits 1 if anything that must be 0 is not.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from benchmarks.registry_throughput import cpu_model
from tests.postgres_database import fresh_database
from tests.registry.concurrent_pushers import (
    Pusher,
    PushStats,
    add_pushers,
    duplicate_natural_keys,
    grant_team_namespaces,
    push_setup,
    push_until,
    record_counts,
)
from tests.registry.running_registry import RunningRegistry, running_registry


def client_process(
    users: list[Pusher], remote_url: str, folder: str, started: float, args: argparse.Namespace
) -> PushStats:
    """One process of pushers (a fresh event loop; the files it uploads live in `folder`)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    return asyncio.run(
        push_until(
            users,
            remote_url,
            Path(folder),
            started=started,
            seconds=args.seconds,
            epoch_seconds=args.epoch,
        )
    )


def run_load(
    remote: RunningRegistry, users: list[Pusher], workdir: Path, args: argparse.Namespace
) -> tuple[PushStats, float]:
    chunks = [users[i :: args.client_processes] for i in range(args.client_processes)]
    started = time.time() + 2  # every process starts at the same instant
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(chunks), mp_context=context) as pool:
        futures = [
            pool.submit(
                client_process, chunk, remote.base_url, str(workdir / f"files-{i}"), started, args
            )
            for i, chunk in enumerate(chunks)
        ]
        stats = PushStats()
        for future in futures:
            stats.merge(future.result())
    return stats, time.time() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


@dataclass(frozen=True)
class Checks:
    """What must be 0 (or empty) after the load."""

    server_errors: int
    failures: list[str]
    duplicates: dict[str, int]
    log_tracebacks: int

    @property
    def passed(self) -> bool:
        return not (
            self.server_errors or self.failures or any(self.duplicates.values())
            or self.log_tracebacks
        )  # fmt: skip


def report(
    args: argparse.Namespace,
    stats: PushStats,
    seconds: float,
    checks: Checks,
    counts: dict[str, int],
) -> None:
    pushes = len(stats.push_seconds)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"workload: {args.users} users pushing for {seconds:.0f} s into one shared registry, "
          f"{args.workers} workers, PostgreSQL, folder data store; {args.client_processes} "
          f"client processes; new shared records every {args.epoch:g} s")  # fmt: skip
    rows = [
        ("pushes", f"{pushes} ({pushes / seconds:.1f}/s)"),
        ("records created", f"{stats.records_created} ({stats.records_created / seconds:.0f}/s)"),
        ("files uploaded", f"{stats.files_uploaded}"),
        ("requests", f"{stats.requests} ({stats.requests / seconds:.0f}/s)"),
        ("request latency", f"p50 {percentile(stats.request_seconds, 0.5) * 1000:.0f} ms, "
                            f"p99 {percentile(stats.request_seconds, 0.99) * 1000:.0f} ms"),
        ("push latency", f"p50 {percentile(stats.push_seconds, 0.5):.2f} s, "
                         f"p99 {percentile(stats.push_seconds, 0.99):.2f} s"),
        ("409 answers (races caught)", f"{stats.count(409, 410)}"),
        ("5xx answers", f"{checks.server_errors}"),
        ("failed pushes", f"{len(checks.failures)}"),
        ("tracebacks in the registry's log", f"{checks.log_tracebacks}"),
        ("duplicate natural keys", f"{sum(checks.duplicates.values())}"),
    ]  # fmt: skip
    print(f"{'figure':34} value")
    for name, value in rows:
        print(f"{name:34} {value}")
    print("records in the registry: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    for label, count in checks.duplicates.items():
        if count:
            print(f"DUPLICATES {label}: {count}")
    for failure in checks.failures[:10]:
        print(f"FAILED {failure}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="registry processes")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long users push")
    parser.add_argument(
        "--epoch", type=float, default=5.0, help="seconds between new shared records"
    )
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--server-url", default=os.environ.get("FDP_TEST_POSTGRES_URL", ""),
                        help="PostgreSQL server whose role may create databases")  # fmt: skip
    args = parser.parse_args()
    if not args.server_url:
        parser.error("needs a PostgreSQL server: pass --server-url or set FDP_TEST_POSTGRES_URL")
    return args


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fdp-load-"))
    with (
        fresh_database(args.server_url) as database_url,
        running_registry(workdir / "remote", database_url=database_url, shared=True,
                         data_store=str(workdir / "store"), workers=args.workers) as remote,
    ):  # fmt: skip
        users = add_pushers(database_url, args.users)
        setup = PushStats()
        asyncio.run(push_setup(users, remote.base_url, setup))
        grant_team_namespaces(database_url, users)
        load, seconds = run_load(remote, users, workdir, args)
        checks = Checks(
            server_errors=setup.count(500, 600) + load.count(500, 600),
            failures=setup.failures + load.failures,
            duplicates=duplicate_natural_keys(database_url),
            log_tracebacks=remote.log().count("Traceback (most recent call last)"),
        )
        counts = record_counts(database_url)
    report(args, load, seconds, checks, counts)
    return 0 if checks.passed else 1


if __name__ == "__main__":
    sys.exit(main())
