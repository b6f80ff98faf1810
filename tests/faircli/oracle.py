"""FAIR-CLI 0.11.0's side of the differential test, run in a private network namespace
(`unshare -n`): the reference registry on 127.0.0.1:8000, where FAIR-CLI and the configs that
name `local_data_registry_url: http://127.0.0.1:8000/api/` expect the local registry, seeded
with cases.PRODUCTS; then faircli_driver.py in FAIR-CLI's own venv.

    unshare -n python -m tests.faircli.oracle JOB.json ANSWER.json

JOB: {"project", "work", "faircli_python", "driver", "refreg": {"src", "venv", "script"},
"cases": [{"id", "config"}]}. ANSWER: the driver's answer.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.sync.seed import Seeder, add_product

from .cases import PRODUCTS

PORT = 8000
API = f"http://127.0.0.1:{PORT}/api/"


class NamespaceReusingSeeder(Seeder):
    """Reuses a namespace the registry already holds (fdp's `config` makes the user's)."""

    def once(self, record_type: str, body: dict[str, Any]) -> dict[str, Any]:
        if record_type == "namespace":
            found = self.http.get("/api/namespace/", params={"name": body["name"]})
            if found.status_code == 200 and found.json()["results"]:
                record: dict[str, Any] = found.json()["results"][0]
                return record
        return super().once(record_type, body)


def seed(url: str, token: str, root: str) -> None:
    """Every product of cases.PRODUCTS, each with a small file under `root`."""
    seeder = NamespaceReusingSeeder(url, token)
    try:
        for namespace, name, version in PRODUCTS:
            content = f"{namespace}:{name}@{version}\n".encode()
            add_product(
                seeder, namespace=namespace, name=name, version=version, content=content, root=root
            )
    finally:
        seeder.close()


def faircli_home(work: Path, token: str, project: Path) -> Path:
    """FAIR-CLI's configuration as `fair init` leaves it: user ana, namespaces ana, the
    reference registry as local registry (and as origin: only `--local` runs are made)."""
    home = work / "faircli-home"
    registry_dir = home / ".fair" / "registry"
    registry_dir.mkdir(parents=True)
    (registry_dir / "token").write_text(token + "\n")
    store = work / "faircli-store"
    store.mkdir()
    registry = {"data_store": f"{store}/", "token": str(registry_dir / "token"), "uri": API}
    cli = {
        "namespaces": {"input": "ana", "output": "ana"},
        "registries": {"local": {**registry, "directory": str(registry_dir)}, "origin": registry},
        "user": {
            "email": "ana@example.org",
            "family_name": "Example",
            "given_names": "Ana",
            "orcid": "0000-0002-1825-0097",
            "uri": "https://orcid.org/0000-0002-1825-0097",
            "uuid": "2ddb2358-84bf-43ff-b2aa-3ac7dc3b49f1",
        },
        "git": {
            "local_repo": str(project),
            "remote": "origin",
            "remote_repo": "https://git.example.org/ana/model.git",
        },
    }
    (home / ".fair" / "cli").mkdir(parents=True)
    (home / ".fair" / "cli" / "cli-config.yaml").write_text(yaml.safe_dump(cli))
    (project / ".fair").mkdir(exist_ok=True)
    (project / ".fair" / "cli-config.yaml").write_text(yaml.safe_dump(cli))
    return home


def _start_registry(job: dict[str, Any], work: Path) -> tuple[int, str]:
    refreg = job["refreg"]
    env = {
        **os.environ,
        "REFREG_SRC": refreg["src"],
        "REFREG_VENV": refreg["venv"],
        "REFREG_DIR": str(work / "refreg"),
        "REFREG_PORT": str(PORT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        ["bash", refreg["script"], "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"reference registry did not start: {done.stderr[-2000:]}")
    pid, token = done.stdout.strip().splitlines()[-1].split()
    return int(pid), token


def _loopback_up() -> None:
    """Bring up `lo`, which a fresh network namespace has down (no `ip` needed)."""
    get_flags, set_flags, up = 0x8913, 0x8914, 0x1  # SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, get_flags, request))[1]
        fcntl.ioctl(sock, set_flags, struct.pack("16sh", b"lo", flags | up))


def main(job_file: str, answer_file: str) -> None:
    job = json.loads(Path(job_file).read_text())
    work, project = Path(job["work"]), Path(job["project"])
    _loopback_up()
    pid, token = _start_registry(job, work)
    try:
        seed(f"http://127.0.0.1:{PORT}", token, f"file://{work}/ref-files/")
        home = faircli_home(work, token, project)
        done = subprocess.run(
            [job["faircli_python"], job["driver"]],
            input=json.dumps({"project": str(project), "cases": job["cases"]}),
            capture_output=True,
            text=True,
            env={"HOME": str(home), "PATH": os.environ.get("PATH", ""), "GIT_CONFIG_NOSYSTEM": "1"},
            cwd=project,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"FAIR-CLI driver failed: {done.stderr[-3000:]}")
        Path(answer_file).write_text(done.stdout)
    finally:
        os.kill(pid, signal.SIGTERM)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
