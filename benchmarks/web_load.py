"""The registry API's latency while anonymous browsers load a large provenance page (issue #20
item 7).

Starts `fdpd registry serve` with a temporary SQLite database, writes through the REST API a
chain of 5 code runs, each reading 29 objects (one of them the previous run's product) and
writing one data product, so that the last product's page at `?depth=5` draws a 150-node graph
with Graphviz `dot`. Then measures `GET /api/` p50/p99 from one client, first alone, then while
`--loaders` threads (anonymous, `Accept: text/html`) fetch that page in a loop:

    .venv/bin/python -m benchmarks.web_load [--loaders 12] [--samples 100]

Target: the API's p50 under load within a few times its p50 alone (page work off the event loop).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.registry_throughput import cpu_model, start_server

RUNS = 5
INPUTS_PER_RUN = 29  # 5 runs + 5 products + 5 x 28 other inputs = 150 nodes
PACE = 0.05  # seconds between API requests
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _id(record: dict[str, Any]) -> int:
    return int(str(record["url"]).rstrip("/").rsplit("/", 1)[1])


def build_chain(client: httpx.Client) -> int:
    """Writes the chain; the id of its last data product."""

    def create(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(f"/api/{kind}/", json=body)
        if answer.status_code != 201:
            raise SystemExit(f"POST {kind}: {answer.status_code} {answer.text[:300]}")
        record: dict[str, Any] = answer.json()
        return record

    namespace = create("namespace", {"name": "bench"})
    root = create("storage_root", {"root": "file:///bench/", "local": True})

    def component_of(description: str, path: str) -> tuple[str, str]:
        location = create(
            "storage_location",
            {"path": path, "hash": f"{abs(hash(path)):040d}"[:40], "storage_root": root["url"]},
        )
        obj = create("object", {"description": description, "storage_location": location["url"]})
        components = client.get(obj["url"]).json()["components"]
        return obj["url"], components[0]

    script, _ = component_of("model script", "bench/script.py")
    previous: str | None = None
    product_id = 0
    for run in range(RUNS):
        inputs = [previous] if previous else []
        while len(inputs) < INPUTS_PER_RUN:
            inputs.append(component_of(f"input {run}.{len(inputs)}", f"in/{run}/{len(inputs)}")[1])
        output_object, output = component_of(f"product {run}", f"bench/p{run}.csv")
        product = create(
            "data_product",
            {"name": f"chain/p{run}", "version": "1.0.0", "object": output_object,
             "namespace": namespace["url"]},
        )  # fmt: skip
        run_body = {"run_date": "2025-01-01T00:00:00Z", "description": f"step {run}",
                    "submission_script": script, "inputs": inputs, "outputs": [output]}  # fmt: skip
        create("code_run", run_body)
        previous, product_id = output, _id(product)
    return product_id


def api_latencies(base: str, samples: int) -> tuple[float, float]:
    """p50 and p99 of `GET /api/`, one request every `PACE` seconds (as a client polling)."""
    timings = []
    with httpx.Client(base_url=base, timeout=120) as client:
        client.get("/api/")
        for _ in range(samples):
            started = time.perf_counter()
            answer = client.get("/api/")
            timings.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            time.sleep(PACE)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.99) - 1)]


def load_pages(base: str, url: str, stop: threading.Event, counts: list[int]) -> None:
    with httpx.Client(base_url=base, headers=BROWSER, timeout=300) as client:
        while not stop.is_set():
            answer = client.get(url)
            if answer.status_code != 200 or "<svg" not in answer.text:
                raise SystemExit(f"GET {url}: {answer.status_code} (no graph)")
            counts.append(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loaders", type=int, default=12, help="anonymous page loaders")
    parser.add_argument("--samples", type=int, default=100, help="API requests per figure")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fdp-bench-web-load-"))
    process, base, token = start_server(f"sqlite:///{workdir / 'registry.db'}", workdir)
    try:
        admin = {"Authorization": f"token {token}"}
        with httpx.Client(base_url=base, headers=admin, timeout=60) as client:
            product = build_chain(client)
        page = f"/ui/data_product/{product}?depth={RUNS}"
        with httpx.Client(base_url=base, headers=BROWSER, timeout=120) as browser:
            drawn = browser.get(page).text
        nodes = drawn.count('class="node"')
        idle = api_latencies(base, args.samples)
        stop, counts = threading.Event(), []
        loaders = [
            threading.Thread(target=load_pages, args=(base, page, stop, counts), daemon=True)
            for _ in range(args.loaders)
        ]
        for loader in loaders:
            loader.start()
        time.sleep(2.0)  # let every loader have a page in progress
        started, pages_before = time.perf_counter(), len(counts)
        loaded = api_latencies(base, args.samples)
        pages_per_second = (len(counts) - pages_before) / (time.perf_counter() - started)
        stop.set()
        for loader in loaders:
            loader.join(timeout=300)
    finally:
        process.terminate()
        process.wait(timeout=20)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"page: {page} ({nodes} graph nodes); {args.samples} API requests per figure")
    print(f"{'workload':50} {'p50':>9} {'p99':>9}")
    print(f"{'GET /api/ alone':50} {idle[0]:7.1f}ms {idle[1]:7.1f}ms")
    name = f"GET /api/ with {args.loaders} anonymous page loaders"
    print(f"{name:50} {loaded[0]:7.1f}ms {loaded[1]:7.1f}ms")
    print(f"pages served meanwhile: {pages_per_second:.1f}/s")


if __name__ == "__main__":
    main()
