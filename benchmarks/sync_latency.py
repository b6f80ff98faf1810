"""Push and pull over a slow network: fdp's own shared remote behind a relay adding a fixed delay.

    .venv/bin/python -m benchmarks.sync_latency                    # 12 and 1,000, 50 ms RTT
    .venv/bin/python -m benchmarks.sync_latency --small 12 --large 0 --rtt 100

Real registry processes on loopback (a local registry with the products, a fresh shared remote,
a second empty local registry to pull into); the remote is reached only through
`benchmarks.delay_relay`, which delays every byte by half the round trip each way and counts the
requests it relayed and the round trips they needed (sequential waves of requests).

Workloads:
- push N registered products: as `fdpctl pull` registers a `register:` item, each product has
  its data store copy and an external object whose `original_store` names the original file
  (the same content, so one upload would do);
- pull N by wildcard (`BENCH:reg/*`) into the empty registry;
- push N plain products (one file each, as `benchmarks.sync_throughput`), pull them by wildcard.

With `--reference` (FDP_TEST_REFREG_* set, ../shared/peers installed): the registered products
are also pushed to a fresh reference registry storing files in S3 (moto on loopback), with no
relay, and pulled back by wildcard (round trips are not counted there); the reference
registry's own CPU time during each is counted too (issue 27: a push's wall time at most 1.5x
the remote's busy time).

Columns: workload, products, seconds, requests (relayed; the client's own count by method in
brackets), round trips, PUTs (file uploads), the remote registry's CPU seconds (reference rows),
machine, load average.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import platform
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.delay_relay import DelayRelay
from benchmarks.sync_throughput import seed_products
from fdpd.remote.client import RegistryClient
from fdpd.sync import ReadRequest, pull, push, resolve_reads
from tests.registry.running_registry import running_registry
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import Seeder, add_product


@dataclass
class Row:
    workload: str
    products: int
    seconds: float
    requests: int
    by_method: dict[str, int]
    round_trips: int
    load: float
    remote_cpu: float | None = None  # seconds of the remote registry process's CPU


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed_registered(seeder: Seeder, store: Path, originals: Path, count: int) -> list[str]:
    """`count` products as a `register:` item leaves them: a data store copy, and an external
    object naming the original file (same content) in its `original_store`."""
    original_root = seeder.once("storage_root", {"root": f"file://{originals}/", "local": True})
    urls = []
    for index in range(count):
        content = f"registered,{index}\n".encode()
        relative = f"BENCH/reg/p{index:05}/1.0.0.csv"
        (store / relative).parent.mkdir(parents=True, exist_ok=True)
        (store / relative).write_bytes(content)
        (originals / f"p{index}.csv").write_bytes(content)
        product = add_product(
            seeder,
            namespace="BENCH",
            name=f"reg/p{index:05}",
            version="1.0.0",
            content=content,
            root=f"file://{store}/",
            path=relative,
        )
        original = seeder.post(
            "storage_location",
            {
                "path": f"p{index}.csv",
                "hash": hashlib.sha1(content).hexdigest(),
                "public": True,
                "storage_root": original_root["url"],
            },
        )
        seeder.post(
            "external_object",
            {
                "data_product": product.record["url"],
                "title": f"registered {index}",
                "primary_not_supplement": True,
                "release_date": "2026-01-01T00:00:00",
                "alternate_identifier": f"bench-{index}",
                "alternate_identifier_type": "bench",
                "original_store": original["url"],
            },
        )
        urls.append(product.record["url"])
    return urls


async def measure(
    relay: DelayRelay,
    client: RegistryClient,
    workload: str,
    products: int,
    work: Callable[[], Awaitable[object]],
) -> Row:
    relay.reset()
    before = dict(client.requests)
    start = time.perf_counter()
    await work()
    seconds = time.perf_counter() - start
    stats = relay.stats()
    methods = {m: n - before.get(m, 0) for m, n in client.requests.items()}
    return Row(
        workload,
        products,
        seconds,
        stats.requests,
        {m: n for m, n in methods.items() if n},
        stats.round_trips,
        os.getloadavg()[0],
    )


def run(small: int, large: int, rtt_ms: float, workdir: Path) -> list[Row]:
    store, originals, files = workdir / "store", workdir / "originals", workdir / "files"
    for folder in (store, originals, files):
        folder.mkdir(parents=True)
    with (
        running_registry(workdir / "local") as local,
        running_registry(workdir / "remote", shared=True, data_store=str(workdir / "rs")) as remote,
        running_registry(workdir / "second") as second,
        DelayRelay(int(remote.base_url.rsplit(":", 1)[1]), delay=rtt_ms / 2000) as relay,
    ):
        assert local.admin_token and remote.admin_token and second.admin_token
        seeder = Seeder(local.base_url, local.admin_token)
        registered = seed_registered(seeder, store, originals, small) if small else []
        plain = seed_products(seeder, files, large, folder="plain") if large else []
        seeder.close()

        async def go() -> list[Row]:
            rows: list[Row] = []
            async with (
                RegistryClient(local.base_url, local.admin_token, name="local") as source,
                RegistryClient(relay.url, remote.admin_token, name="origin") as origin,
                RegistryClient(second.base_url, second.admin_token, name="second") as target,
            ):
                for label, roots, pattern, into in (
                    ("registered", registered, "reg/*", workdir / "pulled-reg"),
                    ("plain", plain, "plain/*", workdir / "pulled-plain"),
                ):
                    if not roots:
                        continue

                    async def push_all(roots: list[str] = roots) -> None:
                        await push(source, origin, roots, MemoryLedger())

                    async def pull_all(pattern: str = pattern, into: Path = into) -> None:
                        found = await resolve_reads(origin, [ReadRequest("BENCH", pattern)])
                        await pull(origin, target, found, MemoryLedger(), into)

                    n = len(roots)
                    rows.append(await measure(relay, origin, f"push {label}", n, push_all))
                    rows.append(await measure(relay, origin, "pull by wildcard", n, pull_all))
            return rows

        return asyncio.run(go())


def run_reference(small: int, workdir: Path) -> list[Row]:
    """Push the registered products to the reference registry (S3) and pull them back."""
    from tests.reference_registry import reference_registry

    store, originals = workdir / "store", workdir / "originals"
    store.mkdir(parents=True)
    originals.mkdir(parents=True)
    with (
        reference_registry(s3=True) as ref,
        running_registry(workdir / "local") as local,
        running_registry(workdir / "second") as second,
    ):
        assert local.admin_token and second.admin_token
        seeder = Seeder(local.base_url, local.admin_token)
        roots = seed_registered(seeder, store, originals, small)
        seeder.close()

        async def timed(
            client: RegistryClient, workload: str, work: Callable[[], Awaitable[object]]
        ) -> Row:
            before = dict(client.requests)
            cpu_before = process_cpu(ref.pid)
            start = time.perf_counter()
            await work()
            seconds = time.perf_counter() - start
            cpu = process_cpu(ref.pid) - cpu_before
            methods = {m: n - before.get(m, 0) for m, n in client.requests.items()}
            methods = {m: n for m, n in methods.items() if n}
            load = os.getloadavg()[0]
            requests = sum(methods.values())
            return Row(workload, len(roots), seconds, requests, methods, 0, load, cpu)

        async def go() -> list[Row]:
            async with (
                RegistryClient(local.base_url, local.admin_token, name="local") as source,
                RegistryClient(ref.url, ref.token, name="reference") as origin,
                RegistryClient(second.base_url, second.admin_token, name="second") as target,
            ):

                async def push_all() -> None:
                    await push(
                        source, origin, roots, MemoryLedger(), data_store_root=f"{ref.url}/data/"
                    )

                async def pull_all() -> None:
                    found = await resolve_reads(origin, [ReadRequest("BENCH", "reg/*")])
                    await pull(origin, target, found, MemoryLedger(), workdir / "pulled")

                return [
                    await timed(origin, "push registered, reference (S3)", push_all),
                    await timed(origin, "pull by wildcard, reference (S3)", pull_all),
                ]

        return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=12, help="registered products (0: none)")
    parser.add_argument("--large", type=int, default=1000, help="plain products (0: none)")
    parser.add_argument("--rtt", type=float, default=50.0, help="round trip added, in ms")
    parser.add_argument(
        "--reference", action="store_true", help="also the reference registry (S3), no relay"
    )
    args = parser.parse_args()
    machine = (
        f"{platform.machine()} {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    load = f"{os.getloadavg()[0]:.1f}"
    with tempfile.TemporaryDirectory(prefix="fdp-bench-", dir="/tmp") as workdir:
        rows = run(args.small, args.large, args.rtt, Path(workdir) / "fdp")
        if args.reference:
            rows += run_reference(args.small or 12, Path(workdir) / "reference")
    print(f"RTT {args.rtt:.0f} ms added by benchmarks/delay_relay.py; load average {load} at start")
    print(
        "| workload | products | seconds | requests (by method) | round trips | PUTs "
        "| remote CPU s | machine | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        methods = ", ".join(f"{m} {n}" for m, n in sorted(row.by_method.items()))
        print(
            f"| {row.workload} | {row.products} | {row.seconds:.2f} | {row.requests} ({methods}) "
            f"| {row.round_trips or '-'} | {row.by_method.get('PUT', 0)} "
            f"| {'-' if row.remote_cpu is None else f'{row.remote_cpu:.2f}'} | {machine} "
            f"| {row.load:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
