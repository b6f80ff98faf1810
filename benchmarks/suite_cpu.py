"""Where the test suite's CPU goes (issue 22): CPU seconds per test file and per area, counting
every process the tests start (fdpd, registries, fdpctl, git, the language APIs, Chromium), also
the detached ones that the test process never waits for.

Runs pytest serially in this process, inside a cgroup of its own (cgroup v1 `cpuacct` or v2),
and reads the cgroup's CPU counter each time a new test file starts. A daemon a file leaves
running for a moment counts to the next file. Needs root (it makes the cgroup), like `.ci/run`.
Prints the files that took the most CPU, every area, and the machine it ran on.

    sudo .venv/bin/python -m benchmarks.suite_cpu [--top N] [PYTEST ARGS]   # e.g. -m process
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from benchmarks.registry_throughput import cpu_model

CGROUP_NAME = "fdp-suite-cpu"


class CpuCounter:
    """A fresh cgroup holding this process (and so every process it starts from now on)."""

    def __init__(self) -> None:
        v1 = Path("/sys/fs/cgroup/cpuacct")
        self.v1 = v1.is_dir()
        if self.v1:
            self.folder = v1 / CGROUP_NAME
        else:
            v2 = Path("/sys/fs/cgroup/unified")
            self.folder = (v2 if v2.is_dir() else Path("/sys/fs/cgroup")) / CGROUP_NAME
        self.folder.mkdir(exist_ok=True)
        (self.folder / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float:
        if self.v1:
            return int((self.folder / "cpuacct.usage").read_text()) / 1e9
        for line in (self.folder / "cpu.stat").read_text().splitlines():
            key, value = line.split()
            if key == "usage_usec":
                return int(value) / 1e6
        raise RuntimeError(f"{self.folder}/cpu.stat has no usage_usec")


@dataclass
class FileCost:
    tests: int = 0
    wall: float = 0.0
    cpu: float = 0.0


@dataclass(eq=False)  # pluggy keeps its plugins in sets
class PerFile:
    """A pytest plugin: charges the CPU and wall time since the last file's start to that file."""

    counter: CpuCounter
    files: dict[str, FileCost] = field(default_factory=dict)
    _current: str | None = None
    _since: tuple[float, float] = (0.0, 0.0)

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int, str]) -> None:
        path = nodeid.split("::", 1)[0]
        if path != self._current:
            self._charge()
            self._current = path
        self.files.setdefault(path, FileCost()).tests += 1

    def pytest_sessionfinish(self) -> None:
        self._charge()

    def _charge(self) -> None:
        now = (time.monotonic(), self.counter.seconds())
        if self._current is not None:
            cost = self.files[self._current]
            cost.wall += now[0] - self._since[0]
            cost.cpu += now[1] - self._since[1]
        self._since = now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=30, help="files to list (default 30)")
    options, pytest_args = parser.parse_known_args()
    plugin = PerFile(CpuCounter())
    start = time.monotonic()
    status = pytest.main(["-q", "-p", "no:xdist", "-p", "no:cacheprovider", *pytest_args], [plugin])
    wall = time.monotonic() - start
    _print(plugin.files, options.top, wall)
    return int(status)


def _print(files: dict[str, FileCost], top: int, wall: float) -> None:
    total = sum(cost.cpu for cost in files.values())
    tests = sum(cost.tests for cost in files.values())
    print(f"\n{'file':<60} {'tests':>5} {'wall s':>7} {'CPU s':>7}")
    for path, cost in sorted(files.items(), key=lambda item: -item[1].cpu)[:top]:
        print(f"{path:<60} {cost.tests:>5} {cost.wall:>7.1f} {cost.cpu:>7.1f}")
    areas: defaultdict[str, float] = defaultdict(float)
    counts: Counter[str] = Counter()
    for path, cost in files.items():
        area = "/".join(Path(path).parts[:2])
        areas[area] += cost.cpu
        counts[area] += cost.tests
    print(f"\n{'area':<40} {'tests':>5} {'CPU s':>7} {'share':>6}")
    for area, cpu in sorted(areas.items(), key=lambda item: -item[1]):
        print(f"{area:<40} {counts[area]:>5} {cpu:>7.1f} {cpu / total:>6.1%}")
    print(f"\nworkload: {tests} tests in {len(files)} files, serially")
    print(f"total: {total:.0f} s of CPU, {wall:.0f} s wall")
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}{load}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
