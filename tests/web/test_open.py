"""`fdpctl registry open` and `registry status` through a real fdpd: a URL of the web view with
a one-time login code that signs a browser in once; the code is never in fdpd's or the
registry's logs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance


@pytest.fixture
def fdp(fdp_home: Path) -> Iterator[FdpInstance]:
    env = {"FDP_REGISTRY_PORT": str(free_port()), "FDP_REGISTRY_IDLE_TIMEOUT": "600"}
    with FdpInstance(fdp_home, extra_env=env) as instance:
        instance.start_daemon()
        yield instance


def test_open_prints_a_one_time_signed_in_url(fdp: FdpInstance, fdp_home: Path) -> None:
    stopped = json.loads(fdp.run_fdpctl("--json", "registry", "status").stdout)
    assert stopped["browser_url"] is None
    opened = fdp.run_fdpctl("registry", "open", "--no-browser")
    assert opened.returncode == 0, opened.stderr
    (url,) = [line.split(": ", 1)[1] for line in opened.stdout.splitlines() if "web view" in line]
    assert "/ui/login?code=" in url
    with httpx.Client() as browser:
        signed_in = browser.get(url, headers={"Accept": "text/html"})
        assert signed_in.status_code == 200, signed_in.text
        assert "fdp_session=" in signed_in.headers["set-cookie"]
        home = browser.get(url.split("/ui/", 1)[0] + "/ui/")
        assert "signed in as admin" in home.text
    with httpx.Client() as other:
        assert other.get(url).status_code == 403  # spent
    status = fdp.run_fdpctl("registry", "status").stdout
    assert "web view:" in status and "/ui/login?code=" in status
    fresh = json.loads(fdp.run_fdpctl("--json", "registry", "status").stdout)["browser_url"]
    assert fresh != url
    code = url.split("code=", 1)[1]
    logs = list(fdp_home.rglob("*.log"))
    assert any(log.name == "registry.log" for log in logs), logs
    for log in logs:
        assert code not in log.read_text(errors="replace"), log
