"""Real fdp instances (fdpd + fdpctl, own FDP_HOME, local registry and data store) that run real
pyDataPipeline models, and a real shared remote registry process with its own data store."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.push.commands import SiteCommands
from tests.registry.running_registry import RunningRegistry, running_registry
from tests.run.conftest import make_project

ACCEPT = {"Accept": "application/json; version=1.0.0"}
SYNCED_TYPES = (
    "namespace",
    "storage_root",
    "storage_location",
    "file_type",
    "author",
    "object",
    "object_component",
    "data_product",
    "code_run",
    "code_repo_release",
    "key_value",
)


def write_config(
    name: str, *, public: bool = True, item_public: bool | None = None, description: str = ""
) -> str:
    """A user config whose model writes one product `name` (csv): `public` is
    `run_metadata.public`, `item_public` the write item's (default: the same)."""
    flag = "true" if public else "false"
    item_flag = flag if item_public is None else ("true" if item_public else "false")
    return f"""\
run_metadata:
  description: {description or "writes " + name}
  script: python3 model.py
  public: {flag}
write:
  - data_product: {name}
    description: product {name}
    file_type: csv
    public: {item_flag}
"""


@dataclass
class Remote:
    """The shared remote registry, its data store folder and user tokens."""

    registry: RunningRegistry
    store: Path
    workdir: Path
    tokens: dict[str, Path] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.registry.api

    def add_user(self, name: str) -> Path:
        token = self.registry.add_user(name)
        path = self.workdir / f"{name}.token"
        path.write_text(token + "\n")
        path.chmod(0o600)
        self.tokens[name] = path
        return path

    def records(self, table: str, **params: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        url: str | None = f"{self.api}{table}/"
        query: dict[str, str] | None = {**params, "page_size": "1000"}
        while url:
            answer = httpx.get(url, params=query, headers=ACCEPT, timeout=10)
            assert answer.status_code == 200, answer.text
            rows += answer.json()["results"]
            url, query = answer.json().get("next"), None
        return rows

    def count(self, table: str) -> int:
        answer = httpx.get(f"{self.api}{table}/", params={"page_size": "1"}, headers=ACCEPT)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["count"])

    def counts(self) -> dict[str, int]:
        return {table: len(self.records(table)) for table in SYNCED_TYPES}

    def file_sha1(self, sha1: str) -> str:
        """SHA-1 of what the remote serves at `GET /data/<sha1>`."""
        answer = httpx.get(f"{self.registry.base_url}/data/{sha1}", follow_redirects=True)
        assert answer.status_code == 200, answer.text
        return hashlib.sha1(answer.content).hexdigest()


@contextmanager
def remote_registry(
    root: Path, port: int | None = None, *, access_log: bool = False
) -> Iterator[Remote]:
    """A shared registry with its database and data store under `root` (reopened if there)."""
    workdir, store = root / "remote", root / "remote-store"
    with running_registry(
        workdir, shared=True, data_store=str(store), port=port, access_log=access_log
    ) as registry:
        yield Remote(registry, store, workdir)


class Site(SiteCommands):
    """One fdp user's machine: an fdpd with its own home, local registry and data store."""

    def __init__(self, instance: FdpInstance, user: str, root: Path) -> None:
        self.instance = instance
        self.user = user
        self.root = root
        self.store = root / "store"
        self.registry_url = f"http://127.0.0.1:{instance.env['FDP_REGISTRY_PORT']}/api/"

    def fdpctl(
        self, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(FDPCTL), *args],
            cwd=cwd or self.root,
            env={**self.instance.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def add_remote(self, remote: Remote, name: str = "origin", url: str | None = None) -> None:
        token = remote.tokens.get(self.user) or remote.add_user(self.user)
        self.ok("remote", "add", name, url or remote.api, "--token-file", str(token))

    def project(self, name: str, configs: Mapping[str, str]) -> Path:
        return make_project(self.root / name, configs)

    def job_runs(self, job_id: str) -> list[str]:
        answer = self.instance.request("GET", f"/v1/jobs/{job_id}")
        assert answer.status == 200, answer.body
        runs: list[str] = answer.json()["code_runs"]
        return runs

    def local(self, table: str, **params: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.registry_url}{table}/", params=params, headers=ACCEPT)
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()["results"]
        return rows

    def stop_daemon(self) -> None:
        """SIGTERM to the current fdpd, waiting for it to end (the local registry with it).

        Not `fdpctl daemon stop`: an fdpd started by this test process stays a zombie until
        reaped, which fdpctl would wait 10 s for."""
        for process in self.instance.daemons:
            self.instance.stop_daemon(process)


@contextmanager
def fdp_site(user: str, registry_port: int | None = None) -> Iterator[Site]:
    """A fresh fdp instance with `user` set up by `fdpctl config` (data store inside it), its
    local registry on `registry_port` (a free port if None)."""
    root = Path(tempfile.mkdtemp(prefix=f"fdp-{user}-", dir="/tmp"))
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    extra = {"FDP_REGISTRY_PORT": str(registry_port or free_port()), "PATH": path}
    try:
        with FdpInstance(root / "home", extra) as instance:
            instance.start_daemon()
            site = Site(instance, user, root)
            site.ok("config", user, "--data-store", str(site.store), "--name", user.title())
            try:
                yield site
            finally:
                site.stop_daemon()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    with remote_registry(tmp_path) as shared:
        yield shared


@pytest.fixture
def ana(remote: Remote) -> Iterator[Site]:
    with fdp_site("ana") as site:
        site.add_remote(remote)
        yield site
