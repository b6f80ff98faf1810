"""Throughput of moving one big file through fdp's real paths, against `cp` on the same disk.

    .venv/bin/python benchmarks/transfer_1gib.py              # 1 GiB
    .venv/bin/python benchmarks/transfer_1gib.py --mib 256 --json

One file of random bytes in a temporary folder (same file system as every destination), then:
- `cp` of it, and `cp` followed by `sync` of the copy (fdp fsyncs what it keeps): the baseline;
- `sha1sum` of it and fdp's own `sha1_file`: what hashing alone costs (the ceiling of any path
  that hashes, whatever `cp` does);
- pull of a `file://` register item: `fdpctl pull` against a running fdpd, which copies the file
  into the data store while hashing it, fsyncs it and registers it (the whole command is timed);
- upload to a shared registry's data store, as push does it: `fdpd.sync.transfers.upload`
  (`POST /api/data` for a signed URL, streamed `PUT`, which the registry writes and hashes on a
  worker thread, verifies and fsyncs);
- download from that data store, as pull does it: `fdpd.sync.transfers.download` (streamed
  `GET /data/<sha1>`, written and hashed on a worker thread, verified, fsynced, renamed).
Each figure is the best of --repeat runs (default 2): the page cache is warm for every path,
which is the fair comparison with `cp`. Every fdp path fsyncs what it keeps, `cp` does not: the
table shows each path against both `cp` and `cp + sync`. Target (issue #7): at least 80% of `cp`.
The machine's load average is printed: other work on the same cores slows every path.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from fdpd.base.hashing import sha1_file
from fdpd.remote.client import RegistryClient
from fdpd.sync.transfers import download, upload
from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.registry.running_registry import running_registry

MIB = 1024 * 1024
REGISTER_CONFIG = """\
run_metadata:
  description: transfer benchmark
  default_input_namespace: bench
  default_output_namespace: bench
  script: "true"
register:
  - namespace: bench
    full_name: Benchmark
  - data_product: big/file-{n}
    namespace_name: bench
    root: {root}
    path: big.bin
    file_type: bin
    version: "1.0.{n}"
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per path; the best counts")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fdp-bench-xfer-", dir="/tmp"))
    try:
        rows = measure_all(work, args.mib, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps({"mib": args.mib, "rows": rows, "machine": machine()}))
    else:
        print_table(rows, args.mib)
    return 0


def measure_all(work: Path, mib: int, repeat: int) -> list[dict[str, Any]]:
    source = work / "source" / "big.bin"
    source.parent.mkdir()
    write_random_file(source, mib)
    sha1 = sha1_file(source)
    size = source.stat().st_size
    rows: list[dict[str, Any]] = []

    def add(name: str, command: str, seconds: float) -> None:
        rows.append({"path": name, "command": command, "seconds": seconds, "mib_s": mib / seconds})

    copy = work / "copy.bin"
    add("cp (baseline)", f"cp FILE COPY ({mib} MiB)", best(repeat, lambda: cp(source, copy)))
    add("cp + sync", "cp FILE COPY && sync COPY", best(repeat, lambda: cp(source, copy, True)))
    copy.unlink()
    add("sha1sum", "sha1sum FILE", best(repeat, lambda: run(["sha1sum", str(source)])))
    hashing = best(repeat, lambda: sha1_file(source))
    add("hashlib SHA-1 (fdp's hashing)", "fdpd.store.sha1_file(FILE)", hashing)
    pulled = pull_register(work, source, repeat)
    add("pull file:// register item", "fdpctl pull config.yaml", pulled)
    up, down = remote_transfers(work, source, sha1, size, repeat)
    add("upload (POST /api/data + PUT)", "fdpd.sync.transfers.upload", up)
    add("download (GET /data/<sha1>)", "fdpd.sync.transfers.download", down)
    baseline, synced = rows[0]["mib_s"], rows[1]["mib_s"]
    for row in rows:
        row["of_cp"] = row["mib_s"] / baseline
        row["of_cp_sync"] = row["mib_s"] / synced
    return rows


def write_random_file(path: Path, mib: int) -> None:
    block = os.urandom(MIB)
    with open(path, "wb") as out:
        for index in range(mib):
            # distinct blocks, cheaply: a counter in front of the same random MiB
            out.write(index.to_bytes(8, "little") + block[8:])


def best(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def cp(source: Path, copy: Path, then_sync: bool = False) -> None:
    copy.unlink(missing_ok=True)
    run(["cp", str(source), str(copy)])
    if then_sync:
        run(["sync", str(copy)])


def pull_register(work: Path, source: Path, repeat: int) -> float:
    home = work / "fdp"
    home.mkdir()
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    with FdpInstance(home, {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}) as fdp:
        fdp.start_daemon()
        try:
            fdpctl(fdp, "config", "bench", "--data-store", str(work / "store"))
            times = []
            for n in range(repeat):  # a new product each time: every pull copies the file
                project = work / f"project{n}"
                project.mkdir()
                text = REGISTER_CONFIG.format(n=n, root=source.parent.as_uri() + "/")
                (project / "config.yaml").write_text(text)
                started = time.perf_counter()
                fdpctl(fdp, "pull", str(project / "config.yaml"))
                times.append(time.perf_counter() - started)
                for kept in (work / "store" / "bench" / "big").rglob("*.bin"):
                    kept.unlink()  # keep the disk from filling; the pull is already measured
            return min(times)
        finally:
            fdp.run_fdpctl("daemon", "stop", timeout=60)


def fdpctl(fdp: FdpInstance, *args: str) -> None:
    result = fdp.run_fdpctl(*args, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"fdpctl {' '.join(args)} failed: {result.stdout}{result.stderr}")


def remote_transfers(
    work: Path, source: Path, sha1: str, size: int, repeat: int
) -> tuple[float, float]:
    store = work / "remote-store"
    with running_registry(work / "remote", shared=True, data_store=str(store)) as server:
        assert server.admin_token is not None
        ups, downs = [], []
        for _ in range(repeat):
            stored = store / sha1[:2] / sha1
            stored.unlink(missing_ok=True)
            ups.append(asyncio.run(timed_upload(server.base_url, server.admin_token, source, sha1)))
            if not stored.is_file() or stored.stat().st_size != size:
                raise SystemExit(f"upload did not store {stored}")
            register_location(server.base_url, server.admin_token, sha1)
            target = work / "downloaded.bin"
            target.unlink(missing_ok=True)
            location = f"{server.base_url}/data/{sha1}"
            downs.append(asyncio.run(timed_download(server.base_url, location, target, sha1)))
        return min(ups), min(downs)


def register_location(base_url: str, token: str, sha1: str) -> None:
    """What push registers after an upload; `GET /data/<sha1>` serves registered files only."""
    headers = {"Authorization": f"token {token}", "Accept": "application/json; version=1.0.0"}
    with httpx.Client(base_url=base_url + "/api/", headers=headers) as client:
        found = client.get("storage_root/", params={"root": f"{base_url}/data/"}).json()
        if found["results"]:
            return
        root = client.post("storage_root/", json={"root": f"{base_url}/data/"})
        root.raise_for_status()
        body = {"path": sha1, "hash": sha1, "public": True, "storage_root": root.json()["url"]}
        client.post("storage_location/", json=body).raise_for_status()


async def timed_upload(base_url: str, token: str, source: Path, sha1: str) -> float:
    async with RegistryClient(base_url + "/api/", token, name="bench") as client:
        started = time.perf_counter()
        if not await upload(client, source, sha1):
            raise SystemExit("the remote already held the file")
        return time.perf_counter() - started


async def timed_download(base_url: str, location: str, target: Path, sha1: str) -> float:
    async with RegistryClient(base_url + "/api/", None, name="bench") as client:
        started = time.perf_counter()
        await download(client, location, target, sha1)
        elapsed = time.perf_counter() - started
    if hashlib.sha1(target.read_bytes()).hexdigest() != sha1:
        raise SystemExit("the downloaded file differs")
    return elapsed


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": round(os.getloadavg()[0], 2),
    }


def print_table(rows: list[dict[str, Any]], mib: int) -> None:
    info = machine()
    print(f"{mib} MiB file; {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
          f"load average {info['load_average']}")  # fmt: skip
    print(f"{'path':34} {'seconds':>8} {'MiB/s':>7} {'of cp':>6} {'of cp+sync':>10}  command")
    for row in rows:
        print(
            f"{row['path']:34} {row['seconds']:8.2f} {row['mib_s']:7.0f} "
            f"{row['of_cp']:6.0%} {row['of_cp_sync']:10.0%}  {row['command']}"
        )


if __name__ == "__main__":
    sys.exit(main())
