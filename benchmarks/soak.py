"""Soak: run + commit + push, over and over, while fdpd's and the registries' memory and open
files are sampled.

    .venv/bin/python -m benchmarks.soak                      # 60 minutes, a sample every 30 s
    .venv/bin/python -m benchmarks.soak --minutes 10 --every 15 --warmup 3

A fresh fdp instance (user ana, tests/push/processes.py `fdp_site`) with a shared remote registry
on loopback (`remote_registry`). Each cycle is what a user does: `fdpctl run` of a real
pyDataPipeline model (tests/run/conftest.py `MODEL`) that writes one product, `fdpctl commit`
of the job, `fdpctl push`. Every `--every` seconds a sampler thread reads VmRSS from
/proc/PID/status and counts /proc/PID/fd of fdpd, the local registry and the remote registry.

Prints a table over time, then each process's growth per minute after `--warmup` minutes (the
least-squares slope of its RSS and fd count over the samples after the warm-up), and the cycles
that failed. Exits 1 if a cycle failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.registry_throughput import cpu_model
from fdpd.base import memory_trace
from tests.push.processes import Remote, Site, fdp_site, remote_registry, write_config

CONFIG = "config.yaml"
PROCESSES = ("fdpd", "local registry", "remote registry")
TRACED_LOGS = ("fdpd.log", "registry.log")


@dataclass(frozen=True)
class Sample:
    seconds: float
    cycles: int
    rss_mib: dict[str, float]
    fds: dict[str, int]


@dataclass
class Soak:
    started: float = field(default_factory=time.monotonic)
    cycles: int = 0
    failures: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    traces: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def registry_pid(api_url: str) -> int:
    """The pid a registry reports at /fdp/identity (each is its own process)."""
    root = api_url.removesuffix("/api/")
    return int(httpx.get(f"{root}/fdp/identity", timeout=10).json()["pid"])


def pids(site: Site, remote: Remote) -> dict[str, int]:
    daemon = site.json("daemon", "status")
    return {
        "fdpd": int(daemon["pid"]),
        "local registry": registry_pid(site.registry_url),
        "remote registry": remote.registry.process.pid,
    }


def sample_until_done(soak: Soak, site: Site, remote: Remote, every: float) -> None:
    """The sampler thread: one Sample every `every` seconds until the soak is done."""
    while True:
        try:
            now = pids(site, remote)
            soak.samples.append(
                Sample(
                    time.monotonic() - soak.started,
                    soak.cycles,
                    {name: rss_mib(pid) for name, pid in now.items()},
                    {name: open_fds(pid) for name, pid in now.items()},
                )
            )
        except (OSError, httpx.HTTPError, KeyError, ValueError) as error:
            soak.failures.append(f"sample at {time.monotonic() - soak.started:.0f} s: {error!r}")
        if soak.done.wait(every):
            return


def one_cycle(site: Site, project: Path) -> str | None:
    """run + commit + push; None, or what failed."""
    run = site.fdpctl("--json", "run", CONFIG, cwd=project)
    if run.returncode != 0:
        return f"run: exit {run.returncode}: {(run.stdout + run.stderr)[-300:]}"
    job = site.json("log")["jobs"][0]["id"]
    for args in (("commit", job), ("push",)):
        done = site.fdpctl(*args)
        if done.returncode != 0:
            return f"{args[0]}: exit {done.returncode}: {(done.stdout + done.stderr)[-300:]}"
    return None


def soak_for(args: argparse.Namespace) -> Soak:
    if args.tracemalloc:
        os.environ[memory_trace.VARIABLE] = "1"  # fdpd and the registry it starts inherit it
    with (
        tempfile.TemporaryDirectory(prefix="fdp-soak-", dir="/tmp") as workdir,
        remote_registry(Path(workdir)) as remote,
        fdp_site("ana") as site,
    ):
        site.add_remote(remote)
        project = site.project("model", {CONFIG: write_config("soak/result")})
        soak = Soak()
        sampler = threading.Thread(target=sample_until_done, args=(soak, site, remote, args.every))
        sampler.start()
        try:
            cycle_until(soak, site, project, args)
        finally:
            soak.done.set()
            sampler.join()
        if args.tracemalloc:
            soak.traces = traced_growth(site)
    return soak


def cycle_until(soak: Soak, site: Site, project: Path, args: argparse.Namespace) -> None:
    baseline_taken = False
    while (elapsed := time.monotonic() - soak.started) < args.minutes * 60:
        if args.tracemalloc and not baseline_taken and elapsed >= args.warmup * 60:
            signal_traced(site)
            baseline_taken = True
        failure = one_cycle(site, project)
        if failure is not None:
            soak.failures.append(f"cycle {soak.cycles + 1}: {failure}")
        soak.cycles += 1


def signal_traced(site: Site) -> None:
    """SIGUSR1 to fdpd and the local registry: a baseline first, the growth report after."""
    for pid in (int(site.json("daemon", "status")["pid"]), registry_pid(site.registry_url)):
        os.kill(pid, signal.SIGUSR1)


def traced_growth(site: Site) -> list[str]:
    """The growth report of fdpd and the local registry, from their logs (once both wrote it:
    comparing snapshots of a big traced heap takes a while)."""
    signal_traced(site)
    logs = site.instance.locations.log_dir
    deadline = time.monotonic() + 600
    while True:
        texts = {name: (logs / name).read_text(errors="replace") for name in TRACED_LOGS}
        done = all(memory_trace.GROWTH_HEADER in text for text in texts.values())
        if done or time.monotonic() > deadline:
            break
        time.sleep(2)
    time.sleep(2)  # the last lines of the report
    return [
        f"{name}: {line}"
        for name in TRACED_LOGS
        for line in (logs / name).read_text(errors="replace").splitlines()
        if "tracemalloc" in line or " KiB in " in line
    ]


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_v = sum(v for _, v in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def report(soak: Soak, args: argparse.Namespace) -> None:
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"workload: run + commit + push of a pyDataPipeline model for {args.minutes:g} min, "
          f"{soak.cycles} cycles, a sample every {args.every:g} s")  # fmt: skip
    header = " | ".join(f"{name} MiB / fds" for name in PROCESSES)
    print(f"| minute | cycles | {header} |")
    print("|---" * (2 + len(PROCESSES)) + "|")
    for sample in soak.samples:
        cells = " | ".join(f"{sample.rss_mib[name]:.1f} / {sample.fds[name]}" for name in PROCESSES)
        print(f"| {sample.seconds / 60:.1f} | {sample.cycles} | {cells} |")
    settled = [s for s in soak.samples if s.seconds >= args.warmup * 60]
    print(f"\ngrowth per minute after {args.warmup:g} min ({len(settled)} samples):")
    for name in PROCESSES:
        rss = slope_per_minute([(s.seconds, s.rss_mib[name]) for s in settled])
        fds = slope_per_minute([(s.seconds, float(s.fds[name])) for s in settled])
        first, last = soak.samples[0], soak.samples[-1]
        print(f"  {name}: RSS {rss:+.2f} MiB/min, fds {fds:+.2f}/min "
              f"(RSS {first.rss_mib[name]:.1f} -> {last.rss_mib[name]:.1f} MiB, "
              f"fds {first.fds[name]} -> {last.fds[name]})")  # fmt: skip
    for line in soak.traces:
        print(line)
    print(f"failures: {len(soak.failures)}")
    for failure in soak.failures[:10]:
        print(f"  {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="how long to soak")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument(
        "--warmup", type=float, default=None, help="minutes left out of the growth figures"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace fdpd's and the local registry's allocations (FDP_TRACEMALLOC=1) and print "
        "what grew between the warm-up and the end",
    )
    args = parser.parse_args()
    if args.warmup is None:
        args.warmup = args.minutes / 5  # a fifth
    soak = soak_for(args)
    report(soak, args)
    return 1 if soak.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
