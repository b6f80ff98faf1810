"""The pull area's real fdp instance (fdpd + fdpctl, user `ana`, own local registry and data
store) and a real shared remote registry process with its own data store and user tokens, for
the whole module that imports them (tests/pull/in_process.py has the same in process).

Tests share them, so each test uses its own namespace and names.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.pull.commands import FdpCommands
from tests.registry.running_registry import RunningRegistry, running_registry
from tests.sync.seed import Seeder

ACCEPT = {"Accept": "application/json; version=1.0.0"}


@dataclass
class Remote:
    registry: RunningRegistry
    workdir: Path
    tokens: dict[str, Path] = field(default_factory=dict)
    seeders: dict[str, Seeder] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.registry.api

    def token_file(self, user: str) -> Path:
        """A 0600 file holding a fresh token of registry user `user` (made on first use)."""
        if user not in self.tokens:
            token = self.registry.add_user(user)
            path = self.workdir / f"{user}.token"
            path.write_text(token + "\n")
            path.chmod(0o600)
            self.tokens[user] = path
        return self.tokens[user]

    def seeder(self, user: str) -> Seeder:
        """Writes records into the remote as `user` (another fdp user, as far as ana knows)."""
        if user not in self.seeders:
            token = self.token_file(user).read_text().strip()
            self.seeders[user] = Seeder(self.registry.base_url, token)
        return self.seeders[user]


@dataclass
class Fdp(FdpCommands):
    instance: FdpInstance
    root: Path

    @property
    def registry_url(self) -> str:
        return f"http://127.0.0.1:{self.instance.env['FDP_REGISTRY_PORT']}/api/"

    def fdpctl(
        self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(FDPCTL), *args],
            cwd=cwd or self.root,
            env={**self.instance.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def local(self, table: str, **params: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.registry_url}{table}/", params=params, headers=ACCEPT)
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()["results"]
        return rows

    def local_get(self, url: str) -> dict[str, Any]:
        answer = httpx.get(url, headers=ACCEPT)
        assert answer.status_code == 200, answer.text
        record: dict[str, Any] = answer.json()
        return record

    def job_config(self, job_id: str) -> str:
        answer = self.instance.request("GET", f"/v1/jobs/{job_id}")
        assert answer.status == 200, answer.body
        text: str = json.loads(answer.body)["working_config"]
        return text


@pytest.fixture(scope="module")
def remote() -> Iterator[Remote]:
    workdir = Path(tempfile.mkdtemp(prefix="fdp-remote-", dir="/tmp"))
    try:
        store = workdir / "store"
        with running_registry(workdir / "registry", shared=True, data_store=str(store)) as registry:
            found = Remote(registry, workdir / "registry")
            yield found
            for seeder in found.seeders.values():
                seeder.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def fdp(remote: Remote) -> Iterator[Fdp]:
    """User `ana` with remote `origin` = the shared registry (ana's own token)."""
    root = Path(tempfile.mkdtemp(prefix="fdp-pull-", dir="/tmp"))
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
    try:
        with FdpInstance(root / "home", extra) as instance:
            instance.start_daemon()
            site = Fdp(instance, root)
            site.ok("config", "ana", "--data-store", str(site.store), "--name", "Ana")
            site.ok(
                "remote", "add", "origin", remote.api, "--token-file", str(remote.token_file("ana"))
            )
            yield site
            instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
