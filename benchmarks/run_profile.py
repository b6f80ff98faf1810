"""Where fdpd's CPU goes per `fdpctl run` of `script: "true"` (issue 27: `fdpctl run` at most
50 ms over the bare script): cProfile of a running fdpd, its event loop and its worker threads.

Starts fdpd (in a fresh temporary FDP_HOME, user `ana`, a committed git project) under this
module, lets two runs warm it up, profiles `--runs` more (SIGUSR1 starts the profile, SIGUSR2
writes it) and prints, per run, the functions that took the most CPU time (each thread's own:
a wait for the network, a lock or a child costs nothing) on the event loop and in the worker
threads (`asyncio.to_thread`: the working config's generation, git, the job files), the same
by package, and fdpd's CPU per run as /proc counts it (cProfile's own cost about doubles the
profiled figures: compare them with each other).

    .venv/bin/python -m benchmarks.run_profile [--runs N] [--top N] [--sort tottime|cumulative]
        [--only TEXT]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import thread as futures_thread
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks.startup import _command, _cpu_ms, _project
from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="profiled runs (default 20)")
    parser.add_argument("--top", type=int, default=30, help="functions shown (default 30)")
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument(
        "--only", action="append", default=[], help="only functions whose place has this text"
    )
    parser.add_argument("--serve", metavar="PROFILE", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        return _serve(Path(options.serve))
    home = Path(tempfile.mkdtemp(prefix="fdp-bench-profile-", dir="/tmp"))
    try:
        profile = home / "fdpd.prof"
        path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
        with FdpInstance(home, extra) as instance:
            instance.env.pop("PYTHONDONTWRITEBYTECODE", None)
            command = [sys.executable, "-m", "benchmarks.run_profile", "--serve", str(profile)]
            with open(instance.daemon_output, "ab") as output:
                daemon = instance.spawn_daemon(command=command, output=output)
            instance.wait_until_answering(daemon)
            cpu = _profile_runs(instance, home, daemon.pid, profile, options.runs)
        _print(profile, options.runs, options.top, options.sort, cpu, tuple(options.only))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


def _profile_runs(instance: FdpInstance, home: Path, pid: int, profile: Path, runs: int) -> float:
    """fdpd's CPU per profiled run (ms), once the profile is written."""
    env = instance.env
    _command(env, None, str(FDPCTL), "config", "ana", "--data-store", str(home / "store"))
    root = _project(home / "project")
    for _ in range(2):  # the first starts the registry; the second is a run like any other
        _command(env, root, str(FDPCTL), "run", "true.yaml")
    os.kill(pid, signal.SIGUSR1)
    before = _cpu_ms(pid)
    for _ in range(runs):
        _command(env, root, str(FDPCTL), "run", "true.yaml")
    cpu = (_cpu_ms(pid) - before) / runs
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 30
    while not profile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return cpu


def _print(
    profile: Path, runs: int, top: int, sort: str, cpu: float, restrict: tuple[str, ...]
) -> None:
    for part in ("loop", "threads"):
        path = profile.with_suffix(f".{part}")
        if not path.exists():
            print(f"no profile of fdpd's {part}")
            continue
        stats = pstats.Stats(str(path))
        total = stats.total_tt * 1000 / runs  # type: ignore[attr-defined]
        print(f"\n== fdpd's {part}: {total:.1f} ms per run profiled, top {top} by {sort} ==")
        stats.sort_stats(sort).print_stats(*restrict, top)
        print(f"-- fdpd's {part}: own time per run by package (ms) --")
        for package, ms in _by_package(stats, runs)[:15]:
            print(f"{ms:8.1f}  {package}")
    print(f"fdpd's CPU per run (its process and children, /proc): {cpu:.1f} ms over {runs} runs")


def _by_package(stats: pstats.Stats, runs: int) -> list[tuple[str, float]]:
    """Own time (tottime) per top-level package (or built-in), most first."""
    totals: dict[str, float] = {}
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~":  # a built-in: named by itself (`poll` is the loop waiting)
            package = name
        else:
            parts = Path(filename).parts
            inside = [p for p in ("site-packages", "python3.11", "run-overhead2") if p in parts]
            package = parts[parts.index(inside[0]) + 1] if inside else filename
            package = package.removesuffix(".py")
            if package == "fdpd":
                package = "/".join(parts[parts.index("fdpd") : parts.index("fdpd") + 2])
        totals[package] = totals.get(package, 0.0) + row[2] * 1000 / runs
    return sorted(totals.items(), key=lambda item: -item[1])


# --- inside fdpd -------------------------------------------------------------------------------


class _Profiles:
    """One cProfile per thread: the event loop's (the main thread), and each worker's."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.on = False
        self.loop = _thread_profile()
        self.workers: dict[int, cProfile.Profile] = {}
        self.lock = threading.Lock()

    def start(self, _signal: int, _frame: FrameType | None) -> None:
        self.on = True
        self.loop.enable()

    def stop(self, _signal: int, _frame: FrameType | None) -> None:
        self.loop.disable()
        self.on = False
        with self.lock:
            workers = list(self.workers.values())
        partial = self.out.with_suffix(".part")
        self.loop.dump_stats(self.out.with_suffix(".loop"))
        if workers:
            stats = pstats.Stats(workers[0])
            for other in workers[1:]:
                stats.add(other)
            stats.dump_stats(self.out.with_suffix(".threads"))
        partial.write_text("")
        partial.rename(self.out)  # written last: the profiles are complete

    def worker(self) -> cProfile.Profile:
        with self.lock:
            made = self.workers.setdefault(threading.get_ident(), _thread_profile())
        return made


def _thread_profile() -> cProfile.Profile:
    """A profile of one thread's CPU time (a wait for the network or a lock costs nothing)."""
    return cProfile.Profile(time.thread_time)


def _serve(out: Path) -> int:
    profiles = _Profiles(out)
    signal.signal(signal.SIGUSR1, profiles.start)
    signal.signal(signal.SIGUSR2, profiles.stop)
    run_item = futures_thread._WorkItem.run  # type: ignore[attr-defined]

    def profiled(item: Any) -> None:
        if not profiles.on:
            run_item(item)
            return
        profile = profiles.worker()
        profile.enable()
        try:
            run_item(item)
        finally:
            profile.disable()

    futures_thread._WorkItem.run = profiled  # type: ignore[attr-defined]
    from fdpd.cli import main as fdpd_main

    sys.argv = ["fdpd"]
    return int(fdpd_main() or 0)


if __name__ == "__main__":
    sys.exit(main())
