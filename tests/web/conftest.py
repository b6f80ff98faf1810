"""A real registry process with a small provenance chain (`seed`), shared by a test module,
and a headless Chromium (Debian's, through Playwright) for the browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.registry.running_registry import RunningRegistry, running_registry
from tests.web.seed import Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class WebRegistry:
    server: RunningRegistry
    seeded: Seeded
    files_root: Path

    @property
    def base(self) -> str:
        return self.server.base_url

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers=self.server.admin_headers(), timeout=30)

    def anonymous(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30)

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
        return web_host_client(self.web_base)


def web_host_client(web_base: str) -> httpx.Client:
    """An httpx client for `http://fdp-<label>.localhost:<port>` that connects to 127.0.0.1 and
    sends the host name in `Host` (Python's resolver may not know `*.localhost`)."""
    host = web_base.split("://", 1)[1]
    port = host.rsplit(":", 1)[1]
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": host}, timeout=30)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebRegistry]:
    workdir = tmp_path_factory.mktemp("web")
    files_root = workdir / "files"
    files_root.mkdir()
    with running_registry(workdir, file_roots=(files_root,), access_log=True) as server:
        with httpx.Client(base_url=server.base_url, headers=server.admin_headers()) as client:
            seeded = seed(client, files_root)
        yield WebRegistry(server, seeded, files_root)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium; skipped without it locally, a failure in CI."""
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
