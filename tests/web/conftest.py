"""The registry with a small provenance chain (`seed`), shared by a test module: `web`, fdp's
registry app in process (tests/inprocess.py: each request goes through the app as over HTTP),
for the pages and the REST answers; `served`, a real registry process (its access log on), for
the browser tests, which need a socket; and a headless Chromium (Debian's, through Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.inprocess import BASE, SyncASGI, registry_in_process
from tests.registry.running_registry import RunningRegistry, running_registry
from tests.web.seed import Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class WebRegistry:
    """A seeded registry: the app in process (`app`), or a process answering at `base`
    (`server`)."""

    base: str  # http://host:port, no trailing slash
    admin_token: str
    database_url: str
    seeded: Seeded
    files_root: Path
    app: FastAPI | None = None
    server: RunningRegistry | None = None

    def client(self, base_url: str, headers: dict[str, str]) -> httpx.Client:
        """A client of this registry: through the app in process, or over HTTP."""
        if self.app is None:
            return httpx.Client(base_url=base_url, headers=headers, timeout=30)
        return httpx.Client(base_url=base_url, headers=headers, transport=SyncASGI(self.app))

    def admin(self) -> httpx.Client:
        return self.client(self.base, {"Authorization": f"token {self.admin_token}"})

    def anonymous(self) -> httpx.Client:
        return self.client(self.base, {})

    def login_path(self) -> str:
        """A fresh one-time login path, minted with the admin token as fdpd does."""
        return self._login_code()["path"]

    @property
    def web_base(self) -> str:
        """The web view's own address: `http://fdp-<label>.localhost:<port>`."""
        port = self.base.rsplit(":", 1)[1]
        return f"http://{self._login_code()['host']}:{port}"

    def _login_code(self) -> dict[str, str]:
        with self.admin() as client:
            answer = client.post("/fdp/login-code")
        assert answer.status_code == 200, answer.text
        code: dict[str, str] = answer.json()
        return code

    def browser_client(self) -> httpx.Client:
        """A client that asks for the web host's pages as a browser does (its name resolves to
        loopback in browsers; the client connects to 127.0.0.1 and names the host)."""
        host = self.web_base.split("://", 1)[1]
        port = host.rsplit(":", 1)[1]
        return self.client(f"http://127.0.0.1:{port}", {"Host": host})


def web_host_client(web_base: str) -> httpx.Client:
    """An httpx client for `http://fdp-<label>.localhost:<port>` that connects to 127.0.0.1 and
    sends the host name in `Host` (Python's resolver may not know `*.localhost`)."""
    host = web_base.split("://", 1)[1]
    port = host.rsplit(":", 1)[1]
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": host}, timeout=30)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebRegistry]:
    """The seeded registry app, in process."""
    workdir = tmp_path_factory.mktemp("web")
    files_root = workdir / "files"
    files_root.mkdir()
    with registry_in_process(
        workdir, BASE, file_roots=(files_root,), with_data_store=False
    ) as registry:
        with registry.http(registry.token, accept=None) as client:
            seeded = seed(client, files_root)
        yield WebRegistry(
            BASE, registry.token, registry.database_url, seeded, files_root, app=registry.app
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebRegistry]:
    """The seeded registry, a real process with its access log on."""
    workdir = tmp_path_factory.mktemp("web")
    files_root = workdir / "files"
    files_root.mkdir()
    with running_registry(workdir, file_roots=(files_root,), access_log=True) as server:
        assert server.admin_token is not None
        with httpx.Client(base_url=server.base_url, headers=server.admin_headers()) as client:
            seeded = seed(client, files_root)
        yield WebRegistry(
            server.base_url,
            server.admin_token,
            server.database_url,
            seeded,
            files_root,
            server=server,
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium; skipped without it locally, a failure in CI. One per module, not
    per session: while Playwright's sync API is open, an asyncio loop runs in this thread, and
    every in-process test after it (asyncio.run, SyncASGI) would fail."""
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed in CI: .ci/run must apt-get install chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()
