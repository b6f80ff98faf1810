"""A SLURM array sweep of a small model end to end: `fdpctl run --scheduler slurm --array 1-N`
(submit to every task recorded), `fdpctl commit array-K`, and `fdpctl push` of all N to a shared
registry (seconds, remote requests). Needs a cluster (`scripts/slurm-one-node.sh`).

    .venv/bin/python benchmarks/slurm_array.py [--tasks 200] [--limit 16]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.push.processes import remote_registry
from tests.run.conftest import make_project

CONFIG = """\
run_metadata:
  description: sweep task ${{TASK}}
  script: python3 model.py
write:
  - data_product: sweep/task-${{TASK}}
    description: the output of task ${{TASK}}
    file_type: csv
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200, help="tasks in the array (200)")
    parser.add_argument("--limit", type=int, default=16, help="tasks at once (%%N, 16)")
    options = parser.parse_args()
    if shutil.which("sbatch") is None:
        print("no sbatch on PATH: start a cluster with scripts/slurm-one-node.sh", file=sys.stderr)
        return 1
    root = Path(tempfile.mkdtemp(prefix="fdp-bench-array-", dir="/tmp"))
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
    try:
        with remote_registry(root) as remote, FdpInstance(root / "home", extra) as instance:
            instance.start_daemon()
            env = {**instance.env, "MODEL_WRITES": "x"}
            store = root / "store"
            _fdpctl(env, root, "config", "ana", "--data-store", str(store), "--name", "Ana")
            token = remote.add_user("ana")
            _fdpctl(env, root, "remote", "add", "origin", remote.api, "--token-file", str(token))
            project = make_project(root / "project", {"config.yaml": CONFIG})
            (project / "model.py").write_text(MODEL)
            subprocess.run(
                ["git", "commit", "-qam", "model"],
                cwd=project,
                check=True,
                env={**os.environ, **GIT},
            )
            spec = f"1-{options.tasks}%{options.limit}"
            started = time.monotonic()
            ran = _fdpctl(
                env, project, "run", "config.yaml", "--scheduler", "slurm", "--array", spec
            )
            recorded = time.monotonic() - started
            headline = next(line for line in ran.splitlines() if line.startswith("array-"))
            array = headline.split(":")[0]
            started = time.monotonic()
            _fdpctl(env, root, "commit", array)
            committed = time.monotonic() - started
            started = time.monotonic()
            pushed = json.loads(_fdpctl(env, root, "--json", "push").splitlines()[-1])["result"]
            push_time = time.monotonic() - started
            instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    requests = sum(pushed["remote_requests"].values())
    print(f"machine: {platform.node()}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}")
    print(f"array {spec}: {headline}")
    print(f"submit to every task recorded:  {recorded:7.1f} s")
    print(f"fdpctl commit {array}:       {committed:7.1f} s")
    print(f"fdpctl push:                    {push_time:7.1f} s, {requests} remote requests")
    return 0


GIT = {
    "GIT_AUTHOR_NAME": "Ana",
    "GIT_AUTHOR_EMAIL": "ana@example.org",
    "GIT_COMMITTER_NAME": "Ana",
    "GIT_COMMITTER_EMAIL": "ana@example.org",
}
MODEL = """\
import os
import data_pipeline_api as pipeline

token = os.environ["FDP_LOCAL_TOKEN"]
config = os.path.join(os.environ["FDP_CONFIG_DIR"], os.environ["FDP_CONFIG_NAME"])
task = os.environ["FDP_TASK_ID"]
handle = pipeline.initialise(token, config, os.environ["FDP_SCRIPT"])
with open(pipeline.link_write(handle, f"sweep/task-{task}"), "w") as f:
    f.write(f"task,{task}\\n")
pipeline.finalise(token, handle)
"""


def _fdpctl(env: dict[str, str], cwd: Path, *args: str) -> str:
    result = subprocess.run(
        [str(FDPCTL), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"fdpctl {' '.join(args)}: {result.stdout}{result.stderr}")
    return result.stdout + result.stderr


if __name__ == "__main__":
    raise SystemExit(main())
