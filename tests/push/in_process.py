"""The push area's fdp sites in process: each user's fdp is `daemon_with_served_registry`
(tests/served_registry.py: the daemon app and its local registry in process, the registry also on
loopback for the model's process), fdpctl's own code drives it (tests/fdpctl_in_process.py), and
the shared remote is a registry app with a folder data store reached through the daemon's remote
transport (tests/inprocess.py). `Site` and `Remote` answer as tests/push/processes.py's real
ones do, so a test reads the same either way."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fdp_process import FDPCTL
from tests.fdpctl_in_process import Ran, fdpctl_in
from tests.inprocess import HostRouter, InProcessDaemon, InProcessRegistry, registry_in_process
from tests.push.commands import SiteCommands
from tests.push.processes import SYNCED_TYPES, write_config
from tests.run.conftest import MODEL
from tests.served_registry import daemon_with_served_registry

ACCEPT = "application/json; version=1.0.0"
REMOTE_BASE = "http://origin.remote.test:8000"

__all__ = ["Remote", "Site", "ana", "fdp_site", "remote", "remote_registry", "write_config"]

# the model is run by fdpd's job runner with PATH from fdpctl's environment: this venv's python
PATH = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"


@dataclass
class Remote:
    """The shared remote registry in process, its data store folder and user tokens."""

    registry: InProcessRegistry
    store: Path
    workdir: Path
    tokens: dict[str, Path] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.registry.api

    def add_user(self, name: str) -> Path:
        path = self.workdir / f"{name}.token"
        path.write_text(self.registry.add_user(name) + "\n")
        path.chmod(0o600)
        self.tokens[name] = path
        return path

    def records(self, table: str, **params: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        url: str | None = f"/api/{table}/"
        query: dict[str, str] | None = {**params, "page_size": "1000"}
        with self.registry.http(accept=ACCEPT) as http:
            while url:
                answer = http.get(url, params=query)
                assert answer.status_code == 200, answer.text
                rows += answer.json()["results"]
                url, query = answer.json().get("next"), None
        return rows

    def count(self, table: str) -> int:
        with self.registry.http(accept=ACCEPT) as http:
            answer = http.get(f"/api/{table}/", params={"page_size": "1"})
        assert answer.status_code == 200, answer.text
        return int(answer.json()["count"])

    def counts(self) -> dict[str, int]:
        return {table: len(self.records(table)) for table in SYNCED_TYPES}

    def file_sha1(self, sha1: str) -> str:
        """SHA-1 of what the remote serves at `GET /data/<sha1>`."""
        with self.registry.http(accept=None) as http:
            answer = http.get(f"/data/{sha1}", follow_redirects=True)
        assert answer.status_code == 200, answer.text
        return hashlib.sha1(answer.content).hexdigest()


@contextlib.contextmanager
def remote_registry(root: Path) -> Iterator[Remote]:
    """A shared registry with its database and data store under `root` (reopened if there)."""
    workdir, store = root / "remote", root / "remote-store"
    with registry_in_process(workdir, REMOTE_BASE, shared=True, data_store=store) as registry:
        yield Remote(registry, store, workdir)


class Site(SiteCommands):
    """One fdp user's machine in process: its daemon, local registry and data store."""

    def __init__(self, daemon: InProcessDaemon, user: str, root: Path) -> None:
        self.daemon = daemon
        self.user = user
        self.root = root
        self.store = root / "store"
        self.registry_url = daemon.registry.api_url

    def fdpctl(
        self, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Ran:
        environment = {"PATH": PATH, **(env or {})}
        return fdpctl_in(self.daemon, *args, cwd=cwd or self.root, env=environment)

    def add_remote(self, remote: Remote, name: str = "origin", url: str | None = None) -> None:
        self.daemon.router.add(remote.registry.base_url, remote.registry.app)
        token = remote.tokens.get(self.user) or remote.add_user(self.user)
        self.ok("remote", "add", name, url or remote.api, "--token-file", str(token))

    def project(self, name: str, configs: Mapping[str, str]) -> Path:
        """A project folder holding `configs` and tests/run's `model.py`, not in git (a run
        records no code repo then; tests/run and tests/push/test_no_remote_repo.py run
        committed ones)."""
        root = self.root / name
        root.mkdir(parents=True, exist_ok=True)
        for file_name, text in configs.items():
            (root / file_name).write_text(text)
        (root / "model.py").write_text(MODEL)
        return root

    def job_runs(self, job_id: str) -> list[str]:
        answer = self.daemon.call("GET", f"/v1/jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        runs: list[str] = answer.json()["code_runs"]
        return runs

    def local(self, table: str, **params: str) -> list[dict[str, Any]]:
        with self.daemon.registry.http(accept=ACCEPT) as http:
            answer = http.get(f"/api/{table}/", params=params)
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()["results"]
        return rows

    def record(self, url: str) -> dict[str, Any]:
        """A record by its URL, in the local registry or a remote this site reaches."""

        async def get() -> httpx.Response:
            transport = self.daemon.router
            if url.startswith(self.daemon.registry.base_url):
                transport = HostRouter()
                transport.add(self.daemon.registry.base_url, self.daemon.registry.app)
            async with httpx.AsyncClient(transport=transport) as client:
                return await client.get(url, headers={"Accept": ACCEPT})

        answer: httpx.Response = self.daemon.run(get())
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


@contextlib.contextmanager
def fdp_site(user: str) -> Iterator[Site]:
    """A fresh fdp in process with `user` set up by `fdpctl config` (data store inside it)."""
    root = Path(tempfile.mkdtemp(prefix=f"fdp-{user}-", dir="/tmp"))
    try:
        with daemon_with_served_registry(root / "home") as daemon:
            site = Site(daemon, user, root)
            site.ok("config", user, "--data-store", str(site.store), "--name", user.title())
            yield site
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
