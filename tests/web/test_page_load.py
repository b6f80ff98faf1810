"""A page being built never holds up the registry's API: pages run off the event loop, and a
graph drawn once is not drawn again (benchmarks/web_load.py has the latencies). The registry app
in process: the page and the API requests share its event loop, as in a server."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.inprocess import BASE, registry_in_process
from tests.registry.conftest import unique
from tests.web.seed import seed

DOT = shutil.which("dot")

# FAULT INJECTION: a Graphviz `dot` that notes each call and then waits until the test lets it
# go (a real dot is never slow on purpose), 60 s at most (then a page that held up the event loop
# fails the test instead of hanging it); it then runs the real one.
SLOW_DOT = """\
#!/bin/sh
echo call >> "{calls}"
waited=0
while [ ! -e "{release}" ] && [ $waited -lt 1200 ]; do sleep 0.05; waited=$((waited + 1)); done
exec "{dot}" "$@"
"""


async def _wait_for(path: Path, ceiling: float = 60.0) -> None:
    deadline = time.monotonic() + ceiling
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        await asyncio.sleep(0.05)


@pytest.mark.skipif(DOT is None, reason="Graphviz dot is not installed")
def test_the_api_answers_while_a_page_waits_for_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    calls, release = tmp_path / "dot-calls", tmp_path / "dot-release"
    (fake / "dot").write_text(SLOW_DOT.format(calls=calls, release=release, dot=DOT))
    (fake / "dot").chmod(0o755)
    files = tmp_path / "files"
    files.mkdir()
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")  # the registry's PATH
    with registry_in_process(
        tmp_path / "registry", file_roots=(files,), with_data_store=False
    ) as registry:
        with registry.http(registry.token, accept=None) as admin:
            # a namespace of its own: a graph drawn in this process before is not this one
            seeded = seed(admin, files, namespace=unique("load"))

        async def load() -> None:
            transport = httpx.ASGITransport(app=registry.app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
                page_path = f"/ui/data_product/{seeded.result}"
                page = asyncio.create_task(client.get(page_path))
                await _wait_for(calls)  # the page is in `dot`, which waits
                assert (await client.get("/api/")).status_code == 200
                assert (await client.get(f"/api/data_product/{seeded.raw}/")).status_code == 200
                assert not page.done()  # the page still waits: it did not block the API
                release.touch()
                answer = await asyncio.wait_for(page, timeout=120)
                assert answer.status_code == 200 and "<svg" in answer.text
                again = await client.get(page_path)
                assert again.status_code == 200 and "<svg" in again.text

        asyncio.run(load())
    assert calls.read_text().count("call") == 1  # the second load took the cached drawing
