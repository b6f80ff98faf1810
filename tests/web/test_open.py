"""`fdpctl registry open` and `registry status` through a real fdpd: a URL of the web view with
a one-time login code that signs a browser in once; the code is never in fdpd's or the
registry's logs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance
from tests.web.conftest import web_host_client


@pytest.fixture
def fdp(fdp_home: Path) -> Iterator[FdpInstance]:
    env = {"FDP_REGISTRY_PORT": str(free_port()), "FDP_REGISTRY_IDLE_TIMEOUT": "600"}
    with FdpInstance(fdp_home, extra_env=env) as instance:
        instance.start_daemon()
        yield instance


def test_open_prints_a_one_time_signed_in_url(fdp: FdpInstance, fdp_home: Path) -> None:
    stopped = json.loads(fdp.run_fdpctl("--json", "registry", "status").stdout)
    assert "browser_url" not in stopped
    opened = fdp.run_fdpctl("registry", "open", "--no-browser")
    assert opened.returncode == 0, opened.stderr
    (url,) = [line.split(": ", 1)[1] for line in opened.stdout.splitlines() if "web view" in line]
    assert re.fullmatch(r"http://fdp-[0-9a-f]{24}\.localhost:\d+/ui/login\?code=[\w-]+", url), url
    web_base, path = url.split("/ui/", 1)
    with web_host_client(web_base) as browser:
        signed_in = browser.get("/ui/" + path, headers={"Accept": "text/html"})
        assert signed_in.status_code == 200, signed_in.text
        assert "fdp_session=" in signed_in.headers["set-cookie"]
        home = browser.get("/ui/")
        assert "signed in as admin" in home.text  # no fdp user yet: the registry's own token
    with web_host_client(web_base) as other:
        assert other.get("/ui/" + path).status_code == 403  # spent
    # status mints no code (each one is a credential); only `open` does
    status = fdp.run_fdpctl("registry", "status").stdout
    assert "code=" not in status and "web view" not in status
    assert "browser_url" not in json.loads(fdp.run_fdpctl("--json", "registry", "status").stdout)
    again = json.loads(fdp.run_fdpctl("--json", "registry", "open", "--no-browser").stdout)
    assert again["browser_url"] != url and "/ui/login?code=" in again["browser_url"]
    code = url.split("code=", 1)[1]
    logs = list(fdp_home.rglob("*.log"))
    assert any(log.name == "registry.log" for log in logs), logs
    for log in logs:
        assert code not in log.read_text(errors="replace"), log
