"""The pull area's fdp in process (tests/inprocess.py, tests/fdpctl_in_process.py): user `ana`
with remote `origin`, a shared registry app with a folder data store, one of each per module as
tests/pull/processes.py has the real ones; fdpctl's own code drives the daemon app.

Tests share them, so each test uses its own namespace and names."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fdpctl_in_process import Ran, fdpctl_in
from tests.inprocess import InProcessDaemon, InProcessRegistry, daemon_in_process
from tests.pull.commands import FdpCommands
from tests.sync.seed import Seeder

ACCEPT = "application/json; version=1.0.0"


MODEL = "print('a model')\n"


def plain_project(root: Path, configs: dict[str, str]) -> Path:
    """A project folder holding `configs` (name → text) and a `model.py`, not in git (a pull
    asks no git; tests/run/conftest.py's `make_project` makes a committed one)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in configs.items():
        (root / name).write_text(text)
    (root / "model.py").write_text(MODEL)
    return root


@dataclass
class Remote:
    """The shared registry in process, its user tokens and seeders (other fdp users)."""

    registry: InProcessRegistry
    workdir: Path
    tokens: dict[str, Path] = field(default_factory=dict)
    seeders: dict[str, Seeder] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.registry.api

    def token_file(self, user: str) -> Path:
        """A 0600 file holding a fresh token of registry user `user` (made on first use)."""
        if user not in self.tokens:
            path = self.workdir / f"{user}.token"
            path.write_text(self.registry.add_user(user) + "\n")
            path.chmod(0o600)
            self.tokens[user] = path
        return self.tokens[user]

    def seeder(self, user: str) -> Seeder:
        """Writes records into the remote as `user` (another fdp user, as far as ana knows)."""
        if user not in self.seeders:
            token = self.token_file(user).read_text().strip()
            self.seeders[user] = self.registry.seeder_for(token)
        return self.seeders[user]


@dataclass
class Fdp(FdpCommands):
    """ana's fdp in process; `fdpctl` runs fdpctl's code against it."""

    daemon: InProcessDaemon
    root: Path

    @property
    def registry_url(self) -> str:
        return self.daemon.registry.api_url

    def fdpctl(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Ran:
        return fdpctl_in(self.daemon, *args, cwd=cwd or self.root, env=env)

    def local(self, table: str, **params: str) -> list[dict[str, Any]]:
        with self.daemon.registry.http(accept=ACCEPT) as http:
            answer = http.get(f"/api/{table}/", params=params)
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, Any]] = answer.json()["results"]
        return rows

    def local_get(self, url: str) -> dict[str, Any]:
        with self.daemon.registry.http(accept=ACCEPT) as http:
            answer = http.get(url)
        assert answer.status_code == 200, answer.text
        record: dict[str, Any] = answer.json()
        return record

    def job_config(self, job_id: str) -> str:
        answer = self.daemon.call("GET", f"/v1/jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        text: str = json.loads(answer.text)["working_config"]
        return text


@pytest.fixture(scope="module")
def pulling() -> Iterator[tuple[Fdp, Remote]]:
    """User `ana` with remote `origin`, the shared registry in process (ana's own token)."""
    root = Path(tempfile.mkdtemp(prefix="fdp-pull-", dir="/tmp"))
    try:
        with daemon_in_process(root / "home") as daemon:
            site = Fdp(daemon, root)
            shared = Remote(daemon.add_remote_registry("origin", root / "remote"), root / "remote")
            site.ok("config", "ana", "--data-store", str(site.store), "--name", "Ana")
            token = shared.token_file("ana")
            site.ok("remote", "add", "origin", shared.api, "--token-file", str(token))
            try:
                yield site, shared
            finally:
                for seeder in shared.seeders.values():
                    seeder.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def fdp(pulling: tuple[Fdp, Remote]) -> Fdp:
    return pulling[0]


@pytest.fixture(scope="module")
def remote(pulling: tuple[Fdp, Remote]) -> Remote:
    return pulling[1]
