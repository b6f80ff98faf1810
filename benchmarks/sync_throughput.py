"""Push and pull N data products with files between two real registry processes on loopback.

    .venv/bin/python -m benchmarks.sync_throughput            # N = 1000
    .venv/bin/python -m benchmarks.sync_throughput --n 50 --n 200

For each N: a local registry with N products (one file each) is pushed to a fresh shared remote,
pushed again (nothing new), then pulled through one wildcard into a second, empty local registry.
Prints remote requests and wall time per workload; costs should grow linearly with N.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fdpd.remote.client import RegistryClient
from fdpd.sync import ReadRequest, pull, push, resolve_reads
from tests.registry.running_registry import running_registry
from tests.sync.ledgers import MemoryLedger
from tests.sync.seed import Seeder, add_product


def seed_products(seeder: Seeder, files: Path, count: int, folder: str = "bench") -> list[str]:
    """`count` data products `BENCH:<folder>/pNNNNN@1.0.0`, each a small file:// file."""
    urls = []
    for index in range(count):
        content = f"bench,{index}\n".encode()
        (files / f"p{index}.csv").write_bytes(content)
        product = add_product(
            seeder,
            namespace="BENCH",
            name=f"{folder}/p{index:05}",
            version="1.0.0",
            content=content,
            root=f"file://{files}/",
            path=f"p{index}.csv",
        )
        urls.append(product.record["url"])
    return urls


async def measure(
    client: RegistryClient, work: Callable[[], Awaitable[object]]
) -> tuple[int, float]:
    before = client.request_total
    start = time.perf_counter()
    await work()
    return client.request_total - before, time.perf_counter() - start


def run_one(count: int, workdir: Path) -> list[tuple[str, int, int, float]]:
    files = workdir / "files"
    files.mkdir(parents=True)
    with (
        running_registry(workdir / "local") as local,
        running_registry(workdir / "remote", shared=True, data_store=str(workdir / "rs")) as remote,
        running_registry(workdir / "second") as second,
    ):
        assert local.admin_token and remote.admin_token and second.admin_token
        seeder = Seeder(local.base_url, local.admin_token)
        roots = seed_products(seeder, files, count)
        seeder.close()
        store = workdir / "second-store"

        async def go() -> list[tuple[str, int, int, float]]:
            rows = []
            ledger = MemoryLedger()
            async with (
                RegistryClient(local.base_url, local.admin_token, name="local") as local_client,
                RegistryClient(remote.base_url, remote.admin_token, name="origin") as origin,
                RegistryClient(second.base_url, second.admin_token, name="second") as target,
            ):
                requests, seconds = await measure(
                    origin, lambda: push(local_client, origin, roots, ledger)
                )
                rows.append(("push", count, requests, seconds))
                requests, seconds = await measure(
                    origin, lambda: push(local_client, origin, roots, ledger)
                )
                rows.append(("push again", count, requests, seconds))

                async def pull_all() -> None:
                    products = await resolve_reads(origin, [ReadRequest("BENCH", "bench/*")])
                    await pull(origin, target, products, MemoryLedger(), store)

                requests, seconds = await measure(origin, pull_all)
                rows.append(("pull (wildcard)", count, requests, seconds))
            return rows

        return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, action="append", help="products per run (repeatable)")
    args = parser.parse_args()
    machine = f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    print(
        f"{'workload':<16} {'products':>8} {'requests':>9} {'req/product':>11} "
        f"{'seconds':>8}  machine"
    )
    for count in args.n or [1000]:
        with tempfile.TemporaryDirectory(prefix="fdp-bench-", dir="/tmp") as workdir:
            for workload, products, requests, seconds in run_one(count, Path(workdir)):
                print(
                    f"{workload:<16} {products:>8} {requests:>9} {requests / products:>11.2f} "
                    f"{seconds:>8.2f}  {machine}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
