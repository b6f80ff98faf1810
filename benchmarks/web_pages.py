"""The web view's page times at 100,000 data products (issue #15's closing-note figures).

Starts `fdpd registry serve` with a temporary SQLite database, fills it to `--total` data
products by direct inserts through the registry's own tables (`registry_throughput.bulk_fill`;
nothing is measured there), writes two code runs through the REST API (an upstream run writing
product 1, a model run reading it and writing product 2), then measures p50/p95 of each page as
an anonymous browser asks for it (`Accept: text/html`; private items are then filtered out,
which every list query pays for):

    .venv/bin/python -m benchmarks.web_pages [--total 100000] [--samples 200]

Target: a page of 100 products at most 50 ms p50.
"""

from __future__ import annotations

import argparse
import html
import os
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.registry_throughput import bulk_fill, cpu_model, start_server

NAMESPACES = 10
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def prepare(client: httpx.Client) -> None:
    client.post("/api/storage_root/", json={"root": "file:///bench/", "local": True})
    for i in range(NAMESPACES):
        client.post("/api/namespace/", json={"name": f"bench-ns-{i}"}).raise_for_status()


def add_runs(client: httpx.Client) -> tuple[int, int]:
    """Upstream run → product 1 → model run → product 2; the ids of product 2 and the model run."""
    one, two = (client.get(f"/api/data_product/{i}/").json() for i in (1, 2))
    components = [client.get(p["object"]).json()["components"] for p in (one, two)]
    script = client.post("/api/object/", json={"description": "script"}).json()["url"]
    runs = []
    for name, inputs, outputs in (("upstream", [], components[0]),
                                  ("model", components[0], components[1])):  # fmt: skip
        body = {"run_date": "2025-01-01T00:00:00Z", "description": f"bench {name} run",
                "submission_script": script, "inputs": inputs, "outputs": outputs}  # fmt: skip
        answer = client.post("/api/code_run/", json=body)
        answer.raise_for_status()
        runs.append(int(answer.json()["url"].rstrip("/").rsplit("/", 1)[1]))
    return 2, runs[1]


def later_page(client: httpx.Client, hops: int) -> str:
    """The URL of the list page `hops` pages in, found by following the `older` links."""
    url = "/ui/data_product/"
    for _ in range(hops):
        found = re.search(r'<a rel="next" href="([^"]+)"', client.get(url).text)
        assert found is not None, "no next page"
        url = html.unescape(found.group(1))
    return url


def timed(client: httpx.Client, url: str, samples: int) -> tuple[float, float]:
    client.get(url)  # warm caches once
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        answer = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"GET {url}: {answer.status_code} {answer.text[:200]}")
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--total", type=int, default=100_000, help="data products")
    parser.add_argument("--samples", type=int, default=200, help="requests per page figure")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fdp-bench-web-"))
    database_url = f"sqlite:///{workdir / 'registry.db'}"
    process, base, token = start_server(database_url, workdir)
    admin = {"Authorization": f"token {token}"}
    try:
        with httpx.Client(base_url=base, headers=admin, timeout=60) as client:
            prepare(client)
            bulk_fill(database_url, 0, args.total)
            product, run = add_runs(client)
        with httpx.Client(base_url=base, headers=BROWSER, timeout=60) as browser:
            pages = {
                "home": "/ui/",
                "product list, first page of 100": "/ui/data_product/",
                "product list, page 50 (cursor)": later_page(browser, 49),
                "product list, name glob bench/dp-0123*": "/ui/data_product/?name=bench/dp-0123*",
                "product list, namespace filter": "/ui/data_product/?namespace=bench-ns-3",
                "product list, text search (no hit)": "/ui/data_product/?q=nowhere",
                "product list, text search (100 hits)": "/ui/data_product/?q=dp-0123",
                "product list, text search (every product)": "/ui/data_product/?q=bench",
                "product page (with SVG graph)": f"/ui/data_product/{product}",
                "code run page": f"/ui/code_run/{run}",
            }
            figures = {name: timed(browser, url, args.samples) for name, url in pages.items()}
    finally:
        process.terminate()
        process.wait(timeout=20)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"backend: SQLite; {args.total} data products; {args.samples} samples per page")
    print(f"{'workload':45} {'p50':>9} {'p95':>9}")
    for name, (p50, p95) in figures.items():
        print(f"{name:45} {p50:7.1f}ms {p95:7.1f}ms")


if __name__ == "__main__":
    main()
