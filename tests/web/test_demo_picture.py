"""The web view of a real project, the demo's (scripts/demo.py), opened as Ana opens it
(`fdpctl registry open`) in headless Chromium: her name, her result with the CLI's version form,
its provenance graph. The README's picture comes from here:

    FDP_WEB_SCREENSHOT=docs/web-view.png .venv/bin/python -m pytest tests/web/test_demo_picture.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.port8000  # the demo prefers port 8000 for Ana's registry
def test_the_web_view_of_the_demos_project(tmp_path: Path, browser: Any) -> None:
    # the picture shows the demo's own folder (demo-home/, as `./demo` makes it), not a
    # pytest temporary path
    demo = ROOT / "demo-home" if os.environ.get("FDP_WEB_SCREENSHOT") else tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FDP_")}
    made = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        env={**env, "FDP_DEMO_HOME": str(demo)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    with FdpInstance(demo / "ana", {"FDP_REGISTRY_PORT": str(free_port())}) as ana:
        ana.start_daemon()
        opened = ana.run_fdpctl("--json", "registry", "open", "--no-browser")
        assert opened.returncode == 0, opened.stderr
        url = json.loads(opened.stdout)["browser_url"]
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            page.goto(url)
            page.wait_for_url("**/ui/")  # signed in; the login page moves on by itself
            assert "signed in as ana" in page.inner_text("header")
            page.click("text=Data products")
            page.click("text=ana:flow/station-mean@0.0.1")
            page.wait_for_url("**/ui/data_product/*")
            page.goto(page.url + "?depth=2")  # two code-run levels back: the readings' origin
            main = page.inner_text("main")
            assert "Mean flow per gauging station" in main and "@v" not in main
            assert page.locator(".graph svg g.node").count() >= 3
            target = Path(os.environ.get("FDP_WEB_SCREENSHOT") or tmp_path / "web-view.png")
            page.screenshot(path=str(target), full_page=False)
            assert target.stat().st_size > 10_000
        finally:
            context.close()
        ana.run_fdpctl("daemon", "stop")
