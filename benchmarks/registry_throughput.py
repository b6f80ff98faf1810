"""Registry throughput and latency benchmark (issue #3's closing-note figures).

Starts `fdpd registry serve` on a free port with a temporary SQLite database (or `--database
URL`), then:

1. creates N data products through the REST API with one keep-alive httpx client, each one a
   storage_location + object + data_product (3 POSTs), and reports records per second;
2. fills the registry up to `--total` data products (default 100,000) by inserting rows
   directly through SQLAlchemy Core with the registry's own tables (the documented fast path
   for filling only; nothing is measured there);
3. measures p50/p99 latency of: a page of 100 data products, a glob name filter, a namespace
   filter, and a detail GET (slash-less, as pyDataPipeline sends it).

    .venv/bin/python benchmarks/registry_throughput.py [--create 10000] [--total 100000]
        [--samples 300] [--database postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, insert, select

from fdpregistry.models import User, table_named, table_of

NAMESPACES = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    port = free_port()
    token_file = workdir / "admin-token"
    fdpd = Path(sys.executable).with_name("fdpd")
    command = [str(fdpd), "registry", "serve", "--port", str(port), "--database", database_url,
               "--admin-token-file", str(token_file)]  # fmt: skip
    log = open(workdir / "server.log", "wb")  # noqa: SIM115  (kept open for the process)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/fdp/identity", timeout=1).status_code == 200:
                return process, base, token_file.read_text().strip()
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("registry did not start; see " + str(workdir / "server.log"))


def create_through_rest(client: httpx.Client, count: int) -> tuple[float, list[str]]:
    root = client.post("/api/storage_root/", json={"root": "file:///bench/", "local": True})
    root.raise_for_status()
    namespaces = []
    for i in range(NAMESPACES):
        response = client.post("/api/namespace/", json={"name": f"bench-ns-{i}"})
        response.raise_for_status()
        namespaces.append(response.json()["url"])
    started = time.perf_counter()
    for i in range(count):
        location = client.post("/api/storage_location/", json={
            "path": f"bench/dp-{i:06d}.csv", "hash": secrets.token_hex(20), "public": True,
            "storage_root": root.json()["url"]})  # fmt: skip
        obj = client.post("/api/object/", json={"description": "bench", "storage_location":
                                                location.json()["url"]})  # fmt: skip
        product = client.post("/api/data_product/", json={
            "name": f"bench/dp-{i:06d}", "version": "1.0.0", "object": obj.json()["url"],
            "namespace": namespaces[i % NAMESPACES]})  # fmt: skip
        if product.status_code != 201:
            raise SystemExit(f"create failed: {product.status_code} {product.text}")
    elapsed = time.perf_counter() - started
    return 3 * count / elapsed, namespaces


def bulk_fill(database_url: str, start: int, total: int) -> None:
    """Direct inserts (fill only): location, object, whole_object component, data product."""
    engine = create_engine(database_url)
    locations, objects = table_named("storage_location"), table_named("object")
    components, products = table_named("object_component"), table_named("data_product")
    roots, namespace_table = table_named("storage_root"), table_named("namespace")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        root_id = conn.execute(select(func.min(roots.c.id))).scalar_one()
        ns_ids = list(conn.execute(select(namespace_table.c.id).order_by("id")).scalars())
        user_id = conn.execute(select(func.min(table_of(User).c.id))).scalar_one()
        base = {"last_updated": now, "updated_by_id": user_id}
        next_loc = (conn.execute(select(func.max(locations.c.id))).scalar_one() or 0) + 1
        next_obj = (conn.execute(select(func.max(objects.c.id))).scalar_one() or 0) + 1
        for chunk_start in range(start, total, 5000):
            chunk = range(chunk_start, min(total, chunk_start + 5000))
            loc_rows, obj_rows, comp_rows, dp_rows = [], [], [], []
            for offset, i in enumerate(chunk):
                loc_id, obj_id = next_loc + offset, next_obj + offset
                loc_rows.append({**base, "id": loc_id, "path": f"bench/dp-{i:06d}.csv",
                                 "hash": secrets.token_hex(20), "public": True,
                                 "storage_root_id": root_id})  # fmt: skip
                obj_rows.append({**base, "id": obj_id, "uuid": str(uuid.uuid4()),
                                 "description": "bench",
                                 "storage_location_id": loc_id})  # fmt: skip
                comp_rows.append({**base, "name": "whole_object", "whole_object": True,
                                  "object_id": obj_id})  # fmt: skip
                dp_rows.append({**base, "name": f"bench/dp-{i:06d}", "version": "1.0.0",
                                "object_id": obj_id,
                                "namespace_id": ns_ids[i % len(ns_ids)]})  # fmt: skip
            conn.execute(insert(locations), loc_rows)
            conn.execute(insert(objects), obj_rows)
            conn.execute(insert(components), comp_rows)
            conn.execute(insert(products), dp_rows)
            next_loc += len(chunk)
            next_obj += len(chunk)
    if database_url.startswith("postgresql"):
        with engine.begin() as conn:  # keep the sequences ahead of the explicit ids
            for table in (locations, objects):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def latency(client: httpx.Client, urls: list[str]) -> tuple[float, float]:
    timings = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code} {response.text[:200]}")
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.99))]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--create", type=int, default=10_000, help="data products via REST")
    parser.add_argument("--total", type=int, default=100_000, help="data products in the end")
    parser.add_argument("--samples", type=int, default=300, help="requests per latency figure")
    parser.add_argument("--database", default="", help="database URL (default: temp SQLite)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fdp-bench-"))
    database_url = args.database or f"sqlite:///{workdir / 'registry.db'}"
    process, base, token = start_server(database_url, workdir)
    headers = {"Authorization": f"token {token}", "Accept": "application/json; version=1.0.0"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            rate, namespaces = create_through_rest(client, args.create)
            bulk_fill(database_url, args.create, args.total)
            count = client.get("/api/data_product/?page_size=1").json()["count"]
            rng = random.Random(1)
            ns_ids = [int(url.rstrip("/").rsplit("/", 1)[1]) for url in namespaces]
            workloads = {
                "page of 100 (default order)": ["/api/data_product/"] * args.samples,
                "glob name filter (100 hits)": [
                    f"/api/data_product/?name=bench/dp-{rng.randrange(count // 100):04d}*"
                    for _ in range(args.samples)],
                "namespace filter (page of 100)": [
                    f"/api/data_product/?namespace={rng.choice(ns_ids)}"
                    for _ in range(args.samples)],
                "detail GET": [f"/api/data_product/{rng.randrange(1, count + 1)}"
                               for _ in range(args.samples)],
            }  # fmt: skip
            figures = {name: latency(client, urls) for name, urls in workloads.items()}
    finally:
        process.terminate()
        process.wait(timeout=20)
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"backend: {backend}; {count} data products; {args.samples} samples per latency row")
    print(f"{'workload':40} {'figure':>24}")
    print(
        f"{'create (REST, 1 keep-alive client)':40} {rate:>17.0f} rec/s  ({args.create} products)"
    )
    for name, (p50, p99) in figures.items():
        print(f"{name:40} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")


if __name__ == "__main__":
    main()
