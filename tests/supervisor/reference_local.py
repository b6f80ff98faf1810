"""An fdp instance whose local registry is the real reference registry (`registry: command:`).

The reference's database, admin user and admin token (the key in fdpd's `{token_file}`) are set
up before fdpd starts, with the shared start script (FDP_TEST_REFREG_SCRIPT); fdpd's command then
only serves that database (`refreg.sh serve`), so it answers within fdpd's start timeout. The
set-up (migrations, superuser, token: ~10 s) can be done once per module (`prepare_once`) and
each site given a copy of it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.push.processes import Site
from tests.reference_registry import START_TIMEOUT, reference_settings

ACCEPT = {"Accept": "application/json; version=1.0.0"}


@dataclass(frozen=True)
class ReferenceLocal:
    """The reference registry fdpd supervises: where it keeps its database, its API root."""

    directory: Path
    port: int
    token_file: Path

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def headers(self) -> dict[str, str]:
        return {**ACCEPT, "Authorization": f"token {self.token_file.read_text().strip()}"}

    def count(self, kind: str) -> int:
        """How many records of `kind` the reference holds."""
        answer = httpx.get(f"{self.api_url}{kind}/", headers=self.headers, timeout=30)
        answer.raise_for_status()
        return int(answer.json()["count"])

    def records(self, kind: str, **params: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.api_url}{kind}/", params=params, headers=self.headers)
        answer.raise_for_status()
        rows: list[dict[str, Any]] = answer.json()["results"]
        return rows

    def get(self, url: str) -> dict[str, Any]:
        answer = httpx.get(url, headers=self.headers, timeout=30)
        answer.raise_for_status()
        record: dict[str, Any] = answer.json()
        return record

    def admin_author(self) -> str | None:
        """The author the language APIs attribute runs to (`admin`'s user_author), as a path."""
        [admin] = self.records("users", username="admin")
        links = self.records("user_author", user=admin["url"].rstrip("/").rsplit("/", 1)[1])
        return self.path(links[0]["author"]) if links else None

    def output_object(self, code_run: dict[str, Any]) -> dict[str, Any]:
        """The object of the one output of `code_run`."""
        [component] = code_run["outputs"]
        return self.get(self.get(component)["object"])

    def output_hash(self, code_run: dict[str, Any]) -> str:
        """The SHA-1 of the one output file of `code_run`."""
        return str(self.get(self.output_object(code_run)["storage_location"])["hash"])

    @staticmethod
    def path(url: str) -> str:
        """A link as a path: `/api/author/1/`."""
        return "/api/" + url.split("/api/", 1)[1]


def serve_command(directory: Path) -> list[str]:
    """fdpd's `registry.command`: serve the prepared reference database on fdpd's port."""
    source, venv, script = reference_settings()
    return [
        "env",
        f"REFREG_SRC={source}",
        f"REFREG_VENV={venv}",
        f"REFREG_DIR={directory}",
        "REFREG_PORT={port}",
        "bash",
        str(script),
        "serve",
    ]


def prepare_reference(directory: Path, port: int, token_file: Path) -> None:
    """Create the reference's database with user admin whose token is the key in `token_file`
    (created 0600 if missing), then stop the server the set-up started."""
    source, venv, script = reference_settings()
    token_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {
        **os.environ,
        "REFREG_SRC": str(source),
        "REFREG_VENV": str(venv),
        "REFREG_DIR": str(directory),
        "REFREG_PORT": str(port),
        "REFREG_TOKEN_FILE": str(token_file),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        ["bash", str(script), "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"reference registry set-up failed: {done.stderr.strip()[-2000:]}")
    _stop_pid(int(done.stdout.split()[-2]))


@dataclass(frozen=True)
class PreparedReference:
    """A set-up reference database (admin and its token, nothing else), not served: each site
    gets a copy of it."""

    directory: Path
    token_file: Path


def prepare_once(root: Path) -> PreparedReference:
    """Set up a reference database under `root` to copy for several sites."""
    prepared = PreparedReference(root / "refreg", root / "token" / "admin.token")
    prepare_reference(prepared.directory, free_port(), prepared.token_file)
    return prepared


def copy_prepared(prepared: PreparedReference, reference: ReferenceLocal) -> None:
    """The prepared database and admin's key for `reference`, its site's domain set to the
    reference's own port (what the set-up's `set_site_info` writes)."""
    shutil.copytree(
        prepared.directory,
        reference.directory,
        ignore=shutil.ignore_patterns("server.log", "server.pid"),
    )
    reference.token_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copyfile(prepared.token_file, reference.token_file)
    reference.token_file.chmod(0o600)
    domain = f"127.0.0.1:{reference.port}"
    with contextlib.closing(sqlite3.connect(reference.directory / "db.sqlite3")) as database:
        with database:
            changed = database.execute("UPDATE django_site SET domain = ?, name = ?", [domain] * 2)
        assert changed.rowcount == 1, "the prepared reference has no django_site row"


@contextlib.contextmanager
def reference_site(
    user: str, prepared: PreparedReference | None = None
) -> Iterator[tuple[Site, ReferenceLocal]]:
    """A fresh fdp instance with the reference registry as its local registry (nothing
    configured yet: the test runs `fdpctl config`), its database set up afresh or copied from
    `prepared`."""
    reference_settings()  # skip early, with the reason
    root = Path(tempfile.mkdtemp(prefix=f"fdp-ref-{user}-", dir="/tmp"))
    port = free_port()
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    extra = {"FDP_REGISTRY_PORT": str(port), "PATH": path}
    try:
        with FdpInstance(root / "home", extra) as instance:
            locations = instance.locations
            reference = ReferenceLocal(root / "refreg", port, locations.registry_token_path)
            if prepared is None:
                prepare_reference(reference.directory, port, reference.token_file)
            else:
                copy_prepared(prepared, reference)
            locations.config_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            settings = {"registry": {"command": serve_command(reference.directory)}}
            locations.config_file.write_text(yaml.safe_dump(settings))
            instance.start_daemon()
            site = Site(instance, user, root)
            try:
                yield site, reference
            finally:
                site.stop_daemon()
                _stop_runserver(port)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _stop_runserver(port: int) -> None:
    """Stop a reference runserver still serving `port` (fdpd was killed before stopping it)."""
    wanted = f"127.0.0.1:{port}".encode()
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            if b"runserver" in arguments and wanted in arguments:
                _stop_pid(int(entry.name))


def _stop_pid(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
