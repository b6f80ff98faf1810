"""A page being built never holds up the registry's API: pages run off the event loop, and a
graph drawn once is not drawn again (benchmarks/web_load.py has the latencies)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.registry.running_registry import running_registry
from tests.web.seed import seed

DOT = shutil.which("dot")

# FAULT INJECTION: a Graphviz `dot` that notes each call and then waits until the test lets it
# go (a real dot is never slow on purpose); it then runs the real one.
SLOW_DOT = """\
#!/bin/sh
echo call >> "{calls}"
while [ ! -e "{release}" ]; do sleep 0.05; done
exec "{dot}" "$@"
"""


def _wait_for(path: Path, ceiling: float = 60.0) -> None:
    deadline = time.monotonic() + ceiling
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.mark.skipif(DOT is None, reason="Graphviz dot is not installed")
def test_the_api_answers_while_a_page_waits_for_dot(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    calls, release = tmp_path / "dot-calls", tmp_path / "dot-release"
    (fake / "dot").write_text(SLOW_DOT.format(calls=calls, release=release, dot=DOT))
    (fake / "dot").chmod(0o755)
    files = tmp_path / "files"
    files.mkdir()
    env = {"PATH": f"{fake}:/usr/bin:/bin"}
    with running_registry(tmp_path / "registry", file_roots=(files,), env=env) as server:
        with httpx.Client(base_url=server.base_url, headers=server.admin_headers()) as admin:
            seeded = seed(admin, files)
        page_url = f"{server.base_url}/ui/data_product/{seeded.result}"
        pages: list[httpx.Response] = []
        loader = threading.Thread(target=lambda: pages.append(httpx.get(page_url, timeout=120)))
        loader.start()
        _wait_for(calls)  # the page is in `dot`, which waits
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert client.get("/api/").status_code == 200
            assert client.get(f"/api/data_product/{seeded.raw}/").status_code == 200
        assert loader.is_alive() and not pages  # the page still waits: it did not block the API
        release.touch()
        loader.join(timeout=120)
        assert pages and pages[0].status_code == 200 and "<svg" in pages[0].text
        again = httpx.get(page_url, timeout=60)
        assert again.status_code == 200 and "<svg" in again.text
        assert calls.read_text().count("call") == 1  # the second load took the cached drawing
