"""Real processes for fault tests: a shared remote registry (per test: tests kill it) behind a
FaultyRelay, and user ana's fdp instance with remote `origin` = the relay.

Products seeded on the remote keep their files in its data store under a root that points at the
relay too (`http://127.0.0.1:<relay>/data/`), so downloads pass through the relay as well.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.faults.consistency import JournalView, RegistryView
from tests.faults.faulty_relay import FaultyRelay
from tests.fdp_process import FDPCTL, FdpInstance, like_a_terminal_command
from tests.push.processes import Remote, Site, remote_registry
from tests.run.conftest import make_project
from tests.sync.seed import Seeder, add_product


def registry_port(remote: Remote) -> int:
    return int(remote.registry.base_url.rsplit(":", 1)[1])


@dataclass
class Faulty:
    """The remote, the relay in front of it, and bob, who publishes products on it."""

    remote: Remote
    relay: FaultyRelay
    seeder: Seeder
    published: set[str] = field(default_factory=set)  # every product `publish` made

    @property
    def data_root(self) -> str:
        return f"{self.relay.url}/data/"

    def publish(self, namespace: str, name: str, content: bytes, version: str = "1.0.0") -> str:
        """A public product with its file in the remote data store; its `ns:name@version`."""
        sha1 = self.seeder.upload(content)
        add_product(
            self.seeder,
            namespace=namespace,
            name=name,
            version=version,
            content=content,
            root=self.data_root,
            path=sha1,
        )
        label = f"{namespace}:{name}@{version}"
        self.published.add(label)
        return label


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[Faulty]:
    with faulty_remote(tmp_path) as found:
        yield found


@contextmanager
def faulty_remote(root: Path, *, access_log: bool = False) -> Iterator[Faulty]:
    with (
        remote_registry(root, access_log=access_log) as remote,
        FaultyRelay(registry_port(remote)) as relay,
    ):
        token = remote.add_user("bob").read_text().strip()
        seeder = Seeder(remote.registry.base_url, token)
        try:
            yield Faulty(remote, relay, seeder)
        finally:
            seeder.close()


@contextmanager
def fault_site(user: str, store: Path | None = None) -> Iterator[Site]:
    """A fresh fdp instance for `user`, its fdpd started the way fdpctl starts it (detached,
    output to a log file). Not `start_daemon`: nobody reads that fdpd's stderr pipe, which fills
    up after a few thousand log lines and then blocks fdpd."""
    root = Path(tempfile.mkdtemp(prefix=f"fdp-{user}-", dir="/tmp"))
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    extra = {"FDP_REGISTRY_PORT": str(free_port()), "PATH": path}
    try:
        with FdpInstance(root / "home", extra) as instance:
            site = Site(instance, user, root)
            site.store = store or site.store
            site.ok("daemon", "start")
            site.ok("config", user, "--data-store", str(site.store), "--name", user.title())
            try:
                yield site
            finally:
                instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ana(faulty: Faulty) -> Iterator[Site]:
    with fault_site("ana") as site:
        site.add_remote(faulty.remote, url=f"{faulty.relay.url}/api/")
        yield site


def read_config(*products: tuple[str, str]) -> str:
    """A config reading each (namespace, name) at its latest version."""
    reads = "".join(
        f"  - data_product: {name}\n    use:\n      namespace: {namespace}\n"
        for namespace, name in products
    )
    return "run_metadata:\n  description: pull inputs\n  script: python3 model.py\nread:\n" + reads


def pull_project(site: Site, *products: tuple[str, str]) -> Path:
    """A project whose config.yaml reads `products`; its config path."""
    folder = site.root / f"pulls-{products[0][0]}"
    project = make_project(folder, {"config.yaml": read_config(*products)})
    return project / "config.yaml"


def start_fdpctl(
    site: Site, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`fdpctl --json ARGS` in the background."""
    return subprocess.Popen(
        [str(FDPCTL), "--json", *args],
        cwd=cwd or site.root,
        env={**site.instance.env, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=like_a_terminal_command,
    )


def wait_for(condition: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"{what} not reached within {timeout} s"
        time.sleep(0.02)
    return found


def kill_fdpd(site: Site) -> int:
    pid = site.instance.daemon_pid()
    os.kill(pid, signal.SIGKILL)
    return pid


def local_view(site: Site) -> RegistryView:
    return RegistryView(site.registry_url)


def journal(site: Site) -> JournalView:
    return JournalView(site.instance.locations.journal_path)


def local_registry_pid(site: Site) -> int:
    """The pid of ana's local registry process, as fdpd reports it."""
    status = site.json("registry", "status")
    return int(status.get("pid") or status["registry"]["pid"])


def process_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
