"""Start-up costs a user pays per command (issue 27): fdpctl over the interpreter, the first
command with fdpd stopped (fdpd starts: `daemon start` waits for its ping, `log` for its journal;
with fdpd's CPU at its answer), a registry process's start (`fdpd registry serve` over a new
SQLite database, as fdpd starts one on demand: its CPU at its first answer to `GET /api/`), and
`fdpctl run` of `script: true` over bare `true`.

Starts fdpd in a fresh temporary FDP_HOME with user `ana` and a committed git project, runs each
workload `--runs` times as a new process and prints the median and p90 of each, the ratios the
issue's goals are stated in, and the machine it ran on (other work on the machine skews every
figure: compare rows of the same run; the CPU rows least).

    .venv/bin/python -m benchmarks.startup [--runs N] [--no-first | --starts-only]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from benchmarks.registry_throughput import cpu_model
from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FDPD, START_TIMEOUT, FdpInstance

# Compared by CPU time too (this process's children, once ended): the machine's load moves it far
# less than wall time, which waits for a core.
CPU_COMPARED = ("python -c pass", "fdpctl daemon status", "fdpctl run (script: true)")

TRUE_CONFIG = """\
run_metadata:
  description: does nothing
  script: "true"
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per workload (default 15)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--no-first",
        action="store_true",
        help="leave out the rows with fdpd stopped and the registry's start",
    )
    which.add_argument(
        "--starts-only",
        action="store_true",
        help="only the rows with fdpd stopped and the registry's start",
    )
    options = parser.parse_args()
    runs = options.runs
    home = Path(tempfile.mkdtemp(prefix="fdp-bench-startup-", dir="/tmp"))
    try:
        path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
        with FdpInstance(home, extra) as instance:
            # an installed fdp has its .pyc files: without them every process compiles its
            # modules again (fdpctl run: twice the instructions)
            instance.env.pop("PYTHONDONTWRITEBYTECODE", None)
            rows = _measure(
                instance, home, runs, first=not options.no_first, others=not options.starts_only
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    _print_table(rows, runs)
    return 0


def _measure(
    instance: FdpInstance, home: Path, runs: int, *, first: bool = True, others: bool = True
) -> dict[str, list[float]]:
    rows = _measure_others(instance, home, runs) if others else {}
    if first:
        rows.update(_measure_starts(instance, home, runs))
    return rows


def _measure_others(instance: FdpInstance, home: Path, runs: int) -> dict[str, list[float]]:
    env = instance.env
    instance.start_daemon()
    _command(env, None, str(FDPCTL), "config", "ana", "--data-store", str(home / "store"))
    root = _project(home / "project")
    _command(env, root, str(FDPCTL), "run", "true.yaml")  # the first run starts the registry
    rows: dict[str, list[float]] = {}
    interleaved: dict[str, Callable[[], float]] = {
        "python -c pass": lambda: _timed(env, None, sys.executable, "-c", "pass"),
        "fdpctl daemon status": lambda: _timed(env, None, str(FDPCTL), "daemon", "status"),
        "true (bare)": lambda: _timed(env, root, "true"),
        "fdpctl run (script: true)": lambda: _timed(env, root, str(FDPCTL), "run", "true.yaml"),
    }
    pid = instance.daemon_pid()
    for _ in range(runs):  # alternate the workloads: a change in load hits all of them alike
        for name, workload in interleaved.items():
            before, children = _cpu_ms(pid), _children_cpu_ms()
            rows.setdefault(name, []).append(workload())
            if name in CPU_COMPARED:
                rows.setdefault(f"CPU of {name}", []).append(_children_cpu_ms() - children)
            if name.startswith("fdpctl run"):  # load moves wall time far more than CPU time
                rows.setdefault("CPU per fdpctl run: fdpd, git, sh, registry", []).append(
                    _cpu_ms(pid) - before
                )
    instance.run_fdpctl("daemon", "stop")
    _wait_stopped(instance)
    return rows


def _measure_starts(instance: FdpInstance, home: Path, runs: int) -> dict[str, list[float]]:
    """fdpd's start to its first answers and a registry's start to its first, alternately."""
    env = instance.env
    started: dict[str, list[float]] = {}
    for index in range(runs):  # `daemon start` waits for the ping; `log` for the journal
        started.setdefault(REGISTRY_START, []).append(_registry_start(env, home / f"r{index}"))
        for name, command in FIRST_COMMANDS.items():
            started.setdefault(name, []).append(_timed(env, None, str(FDPCTL), *command))
            # what fdpd had spent when the command had its answers (fdpd builds on after the
            # ping `daemon start` waits for; `log` waits for its journal and three routes)
            cpu = _cpu_ms(instance.daemon_pid())
            started.setdefault(f"CPU of fdpd at its answer: {name}", []).append(cpu)
            instance.run_fdpctl("daemon", "stop")
            _wait_stopped(instance)
    return started


FIRST_COMMANDS = {
    "first command, fdpd stopped (fdpctl daemon start)": ("daemon", "start"),
    "first `fdpctl log`, fdpd stopped (its journal answers)": ("log",),
}


REGISTRY_START = "CPU of a registry at its first answer (new SQLite database)"


def _registry_start(env: dict[str, str], folder: Path) -> float:
    """Start `fdpd registry serve` as fdpd's supervisor does, over a new database; its CPU time
    when it first answers `GET /api/`, in ms."""
    folder.mkdir()
    port = free_port()
    command = [str(FDPD), "registry", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--database", f"sqlite:///{folder / 'registry.db'}"]
    command += ["--admin-token-file", str(folder / "token"), "--data-store", str(folder / "store")]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(f"http://127.0.0.1:{port}/api/"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"the registry in {folder} did not answer (status {process.poll()})"
                )
            time.sleep(0.01)
        return _cpu_ms(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except (urllib.error.URLError, OSError):
        return False


def _cpu_ms(pid: int) -> float:
    """CPU time of process `pid`, the children it has waited for (git, the script) and the ones
    still running (the local registry), in ms."""
    ticks = 0
    for index, process in enumerate(_with_descendants(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        # utime stime, and for `pid` cutime cstime (its children that ended)
        counted = fields[11:15] if index == 0 else fields[11:13]
        ticks += sum(int(value) for value in counted)
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def _children_cpu_ms() -> float:
    """User and system CPU time of the children of this process that have ended, in ms."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _with_descendants(pid: int) -> list[int]:
    found = [pid]
    for process in found:
        for task in Path(f"/proc/{process}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                found += [int(child) for child in task.read_text().split()]
    return found


def _project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "true.yaml").write_text(TRUE_CONFIG)
    for args in (
        ("init", "-q", "-b", "main"),
        ("remote", "add", "origin", "https://example.org/bench.git"),
        ("add", "."),
        ("commit", "-q", "-m", "model"),
    ):
        subprocess.run(
            ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org", *args],
            cwd=root,
            check=True,
        )
    return root


def _wait_stopped(instance: FdpInstance) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not instance.locations.socket_path.exists() and not instance.locations.pid_path.exists():
            return
        time.sleep(0.02)
    raise SystemExit("fdpd did not stop within 20 s")


def _command(env: dict[str, str], cwd: Path | None, *command: str) -> None:
    done = subprocess.run(list(command), env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")


def _timed(env: dict[str, str], cwd: Path | None, *command: str) -> float:
    started = time.perf_counter()
    _command(env, cwd, *command)
    return (time.perf_counter() - started) * 1000


def _print_table(rows: dict[str, list[float]], runs: int) -> None:
    medians = {name: statistics.median(timings) for name, timings in rows.items()}
    width = max(len(name) for name in rows)
    print(f"{'workload':<{width}}  {'median':>9}  {'p90':>9}")
    for name, timings in rows.items():
        p90 = statistics.quantiles(timings, n=10)[-1] if len(timings) > 1 else timings[0]
        print(f"{name:<{width}}  {medians[name]:6.1f} ms  {p90:6.1f} ms")
    if "fdpctl daemon status" in medians:  # not with --starts-only
        status = medians["fdpctl daemon status"] / medians["python -c pass"]
        run = medians["fdpctl run (script: true)"] - medians["true (bare)"]
        cpu = medians["CPU of fdpctl daemon status"] / medians["CPU of python -c pass"]
        print(
            f"fdpctl daemon status / python -c pass: {status:.2f}x (goal <= 1.5x), CPU {cpu:.2f}x"
        )
        print(f"fdpctl run over bare true: {run:+.1f} ms (goal <= +50 ms)")
    if "first command, fdpd stopped (fdpctl daemon start)" in medians:
        first = medians["first command, fdpd stopped (fdpctl daemon start)"]
        print(f"first command with fdpd stopped: {first:.0f} ms (goal <= 500 ms)")
        log_first = medians["first `fdpctl log`, fdpd stopped (its journal answers)"]
        print(f"first `fdpctl log` with fdpd stopped: {log_first:.0f} ms (goal <= 500 ms)")
    machine = f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if hasattr(os, "getloadavg"):
        machine += f", load average {os.getloadavg()[0]:.2f}"
    print(f"machine: {machine}; {runs} runs per workload")


if __name__ == "__main__":
    sys.exit(main())
