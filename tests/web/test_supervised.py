"""The web view as a user gets it: fdpd's supervised registry, a real run's items in the user's
data store, `fdpctl registry open`, and a browser session fetching the files."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.run.conftest import make_project
from tests.web.conftest import web_host_client

CONFIG = """\
run_metadata:
  description: web view downloads
  script: python3 model.py
write:
  - data_product: web/open
    description: a public output
    file_type: csv
  - data_product: web/closed
    description: a private output
    file_type: csv
    public: false
"""


@pytest.fixture
def ana(fdp_home: Path) -> Iterator[FdpInstance]:
    # the model runs with fdpctl's environment: this virtualenv's python3 first on PATH
    path = f"{FDPCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {"FDP_REGISTRY_PORT": str(free_port()), "FDP_REGISTRY_IDLE_TIMEOUT": "600", "PATH": path}
    with FdpInstance(fdp_home, extra_env=env) as instance:
        instance.start_daemon()
        store = fdp_home / "store"
        setup = instance.run_fdpctl("config", "ana", "--data-store", str(store), "--name", "Ana")
        assert setup.returncode == 0, setup.stderr
        yield instance
        instance.run_fdpctl("daemon", "stop")


def test_the_web_view_fdpctl_opens_serves_the_users_files(
    ana: FdpInstance, fdp_home: Path, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "model", {"config.yaml": CONFIG})
    run = subprocess.run(
        [str(FDPCTL), "run", "config.yaml"],
        cwd=project,
        env={**ana.env, "MODEL_WRITES": "web/open,web/closed"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    opened = ana.run_fdpctl("--json", "registry", "open", "--no-browser")
    assert opened.returncode == 0, opened.stderr
    url = json.loads(opened.stdout)["browser_url"]
    web_base, login = url.split("/ui/", 1)
    with web_host_client(web_base) as browser:
        assert browser.get("/ui/" + login).status_code == 200
        listing = browser.get("/ui/data_product/").text
        assert "signed in as ana" in listing  # the fdp user who opened it, not `admin`
        # versions as the command line writes them
        assert "ana:web/open@0.0.1" in listing and "ana:web/closed@0.0.1" in listing
        assert "@v0.0.1" not in listing
        for name in ("open", "closed"):
            (product,) = re.findall(rf'href="(/ui/data_product/\d+)">ana:web/{name}@', listing)
            page = browser.get(product).text
            (download,) = re.findall(r'href="(/data_product/[^"]+)">download the file', page)
            answer = browser.get(download)
            assert answer.status_code == 200, (download, answer.text)
            assert answer.text == f"web/{name},1\n"
    with web_host_client(web_base) as anonymous:  # the private file stays private
        assert anonymous.get(download).status_code == 403
