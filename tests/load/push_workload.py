"""The workload of `status` under a large push, shared by tests/load and benchmarks:
N data products registered straight into a user's local registry over REST as the outputs of one
code run (what a language API records for a model that writes N products, without running one),
committed in one go by the run's uuid, then pushed while a sampler asks fdpd for `status` every
100 ms, timing each answer. (Committing N `ns:name@version` tokens one by one costs ~0.1 s each.)"""

from __future__ import annotations

import json
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.fdp_process import FDPCTL
from tests.push.processes import Site
from tests.sync.seed import Seeder, add_product

INTERVAL = 0.1  # seconds between status calls
WORKERS = 4


def user_token(site: Site) -> str:
    return (site.instance.home / "data" / "tokens" / f"{site.user}.token").read_text().strip()


def register_run(site: Site, count: int, namespace: str) -> str:
    """One code run whose outputs are `count` products with a small file each in the user's
    data store; the run's uuid."""
    base_url = site.registry_url.removesuffix("/api/")
    seeder = Seeder(base_url, user_token(site))
    root = f"file://{site.store}/"
    (site.store / namespace).mkdir(parents=True, exist_ok=True)

    def product(index: int) -> str:
        """A product; the url of its object's whole-object component (the run's output)."""
        relative = f"{namespace}/p{index:05}.csv"
        content = f"bulk,{index}\n".encode()
        (site.store / relative).write_bytes(content)
        made = add_product(
            seeder, namespace=namespace, name=f"bulk/p{index:05}", version="1.0.0",
            content=content, root=root, path=relative,
        )  # fmt: skip
        return str(made.object["components"][0])

    try:
        outputs = [product(0)]  # creates the shared namespace, root, file type and author once
        with ThreadPoolExecutor(WORKERS) as pool:
            outputs += pool.map(product, range(1, count))
        script = add_product(
            seeder, namespace=namespace, name="bulk/script", version="1.0.0",
            content=b"python3 bulk.py\n", root=root, path=_written(site, namespace),
        )  # fmt: skip
        run = seeder.post(
            "code_run",
            {
                "run_date": "2026-01-01 12:00:00",
                "description": f"writes {count} products",
                "submission_script": script.object["url"],
                "outputs": outputs,
            },
        )
        return str(run["uuid"])
    finally:
        seeder.close()


def _written(site: Site, namespace: str) -> str:
    relative = f"{namespace}/script.sh"
    (site.store / relative).write_bytes(b"python3 bulk.py\n")
    return relative


def commit_run(site: Site, uuid: str) -> None:
    answer = site.instance.post_json("/v1/commit", {"token": uuid})
    assert answer.status == 200, answer.json()


@dataclass
class StatusTimes:
    """Wall times (seconds) of `GET /v1/status` on the socket and of whole `fdpctl status`."""

    daemon: list[float] = field(default_factory=list)
    fdpctl: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class StatusSampler:
    """Every INTERVAL: one raw `GET /v1/status` and one `fdpctl --json status` process."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.times = StatusTimes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> StatusSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            self._sample()
            self._stop.wait(max(0.0, INTERVAL - (time.perf_counter() - started)))

    def _sample(self) -> None:
        started = time.perf_counter()
        answer = self.site.instance.request("GET", "/v1/status")
        self.times.daemon.append(time.perf_counter() - started)
        if answer.status != 200:
            self.times.failures.append(f"GET /v1/status: {answer.status}")
        started = time.perf_counter()
        result = subprocess.run(
            [str(FDPCTL), "--json", "status"],
            env=self.site.instance.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        self.times.fdpctl.append(time.perf_counter() - started)
        if result.returncode != 0:
            self.times.failures.append(f"fdpctl status: {result.stderr.strip()}")


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` quantile (0.99 for p99) of `values`, inclusive method."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


@dataclass
class PushUnderStatus:
    products: int
    seconds: dict[str, float]  # phase → wall time
    times: StatusTimes
    push_result: dict[str, object]


def push_with_status_sampling(site: Site, count: int, namespace: str = "bulk") -> PushUnderStatus:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    uuid = register_run(site, count, namespace)
    seconds["register"] = time.perf_counter() - started
    started = time.perf_counter()
    commit_run(site, uuid)
    seconds["commit"] = time.perf_counter() - started
    started = time.perf_counter()
    with StatusSampler(site) as sampler:
        push = site.fdpctl("--json", "push")
    seconds["push"] = time.perf_counter() - started
    assert push.returncode == 0, push.stdout[-2000:] + push.stderr[-2000:]
    final = json.loads(push.stdout.splitlines()[-1])
    return PushUnderStatus(count, seconds, sampler.times, final["result"])


def describe(times: list[float]) -> str:
    return (
        f"n={len(times)} p50={percentile(times, 0.5) * 1000:.1f} ms "
        f"p99={percentile(times, 0.99) * 1000:.1f} ms max={max(times) * 1000:.1f} ms"
    )


__all__ = ["Path", "PushUnderStatus", "describe", "percentile", "push_with_status_sampling"]
