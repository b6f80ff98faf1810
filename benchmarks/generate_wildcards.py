"""Wall time of working-config generation when one wildcard matches 1,000 data products.

    .venv/bin/python benchmarks/generate_wildcards.py              # 1,000 products, 5 runs
    .venv/bin/python benchmarks/generate_wildcards.py --n 200 --runs 3 --json

Starts fdpd in a temporary FDP_HOME, sets up a user, registers N data products `bench/pNNNNN`
(namespace `bench`, one file each) in the local registry through its REST API, then times
`fdpctl generate` (a new fdpctl process each run, as a user runs it) of two configs:
- `read: bench/*` (N read entries, each with its latest version);
- `read: bench/*` and `write: bench/*` (N reads and N writes with their next versions).
Prints median and best wall time and the number of entries generated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance

ACCEPT = "application/json; version=1.0.0"
CONFIG = """\
run_metadata:
  description: wildcard benchmark
  default_input_namespace: bench
  default_output_namespace: bench
  script: "true"
read:
  - data_product: bench/*
"""
WRITES = """\
write:
  - data_product: bench/*
    description: next version of every product
    file_type: csv
"""
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="matching products (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per config (default 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fdp-bench-gen-", dir="/tmp"))
    try:
        rows = measure(work, args.n, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps({"n": args.n, "runs": args.runs, "rows": rows, "load_average": load}))
        return 0
    print(f"{args.n} matching data products, {args.runs} runs; {platform.machine()} "
          f"Python {platform.python_version()}, load average {load}")  # fmt: skip
    print(f"{'config':28} {'entries':>8} {'median':>9} {'best':>9}  command")
    for row in rows:
        print(
            f"{row['config']:28} {row['entries']:8d} {row['median_s'] * 1000:7.0f}ms "
            f"{row['best_s'] * 1000:7.0f}ms  {row['command']}"
        )
    return 0


def measure(work: Path, count: int, runs: int) -> list[dict[str, Any]]:
    home = work / "fdp"
    home.mkdir()
    port = free_port()
    with FdpInstance(home, {"FDP_REGISTRY_PORT": str(port)}) as fdp:
        fdp.start_daemon()
        try:
            setup = fdp.run_fdpctl("config", "bench", "--data-store", str(work / "store"))
            if setup.returncode != 0:
                raise SystemExit(setup.stderr)
            token = (fdp.locations.tokens_dir / "bench.token").read_text().strip()
            seed(f"http://127.0.0.1:{port}/api/", token, count, work / "files")
            configs = {"reads.yaml": CONFIG, "reads-writes.yaml": CONFIG + WRITES}
            project = make_project(work / "project", configs)
            return [
                time_generate(fdp, project, name, runs, count)
                for name in ("reads.yaml", "reads-writes.yaml")
            ]
        finally:
            fdp.run_fdpctl("daemon", "stop", timeout=60)


def seed(api: str, token: str, count: int, files: Path) -> None:
    """N data products through the local registry's REST API, as a run would leave them."""
    files.mkdir()
    headers = {"Authorization": f"token {token}", "Accept": ACCEPT}
    with httpx.Client(base_url=api, headers=headers, timeout=60) as client:

        def create(kind: str, body: dict[str, Any]) -> str:
            answer = client.post(f"{kind}/", json=body)
            if answer.status_code not in (200, 201):
                raise SystemExit(f"creating a {kind} failed: {answer.text}")
            return str(answer.json()["url"])

        # `fdpctl config bench` made the user's namespace
        namespace = str(
            client.get("namespace/", params={"name": "bench"}).json()["results"][0]["url"]
        )
        root = create("storage_root", {"root": files.as_uri() + "/", "local": True})
        for index in range(count):
            name = f"p{index:05}.csv"
            location = create(
                "storage_location",
                {"path": name, "hash": f"{index:040x}", "storage_root": root, "public": True},
            )
            obj = create("object", {"storage_location": location})
            create(
                "data_product",
                {"name": f"bench/p{index:05}", "version": "0.0.1", "namespace": namespace,
                 "object": obj},
            )  # fmt: skip


def make_project(folder: Path, configs: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in configs.items():
        (folder / name).write_text(text)
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "configs"]):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True)
    return folder


def time_generate(
    fdp: FdpInstance, project: Path, config: str, runs: int, count: int
) -> dict[str, Any]:
    output = project.parent / "working.yaml"
    command = [str(FDPCTL), "generate", config, "-o", str(output)]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(command, cwd=project, env=fdp.env, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise SystemExit(f"fdpctl generate {config} failed: {result.stderr}")
    working = yaml.safe_load(output.read_text())
    entries = len(working.get("read", [])) + len(working.get("write", []))
    expected = count * (2 if "writes" in config else 1)
    if entries != expected:
        raise SystemExit(f"{config}: {entries} entries generated, expected {expected}")
    return {
        "config": config,
        "entries": entries,
        "median_s": statistics.median(times),
        "best_s": min(times),
        "command": f"fdpctl generate {config} -o working.yaml",
    }


if __name__ == "__main__":
    sys.exit(main())
