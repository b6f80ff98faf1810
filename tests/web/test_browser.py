"""The web view in a real browser (headless Chromium): links followed from the product list to a
product to its code run, the search form, the graph drawn, the login code, no console error, and
a screenshot (FDP_WEB_SCREENSHOT=docs/web-view.png regenerates the README's)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import WebRegistry


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    yield page
    context.close()


def test_list_to_product_to_code_run(web: WebRegistry, page: Any, tmp_path: Path) -> None:
    seeded = web.seeded
    page.goto(f"{web.base}/ui/")
    assert page.title() == "Registry · fdp registry"
    page.click("text=Data products")
    page.fill("input[name=name]", "flow/r*")
    page.click("button[type=submit]")
    assert "name=flow%2Fr*" in page.url
    page.click("text=hydro:flow/result@v1.0.0")
    assert page.url.endswith(f"/ui/data_product/{seeded.result}")
    # the description's <script> is text on the page, and never ran
    assert "<script>window.fdpInjected = 1</script>mean flow" in page.inner_text("main")
    assert page.evaluate("window.fdpInjected") is None
    graph = page.locator(".graph svg")
    assert graph.count() == 1
    assert graph.locator("g.node").count() == 4  # raw, the run, result, a private output
    graph.locator("a", has_text=f"code run {seeded.model_run}").click()
    page.wait_for_url(f"**/ui/code_run/{seeded.model_run}")
    assert "mean flow model" in page.inner_text("main")
    assert "1 private item(s) not shown." in page.inner_text("main")
    page.click("text=hydro:flow/raw@v1.0.0")
    page.wait_for_url(f"**/ui/data_product/{seeded.raw}")
    assert "gauge 3 <drifts>" in page.inner_text("main")
    for path in ("/ui/code_run/", "/ui/namespace/", "/ui/author/",
                 f"/ui/author/{seeded.author}", f"/ui/namespace/{seeded.namespace}"):  # fmt: skip
        assert page.goto(web.base + path).status == 200, path
    assert page.problems == []


def test_login_code_shows_private_items(web: WebRegistry, page: Any, tmp_path: Path) -> None:
    secret = f"/ui/data_product/{web.seeded.secret}"
    assert page.goto(web.base + secret).status == 403
    page.problems.clear()  # Chromium reports the (expected) 403 on the console
    page.goto(web.base + web.login_path())
    page.wait_for_url(f"{web.base}/ui/")  # the login page moves on by itself
    assert "signed in as admin" in page.inner_text("header")
    assert page.goto(web.base + secret).status == 200
    assert "confidential flows" in page.inner_text("main")
    assert page.locator(".graph svg g.node").count() == 4
    assert "private item" not in page.inner_text(".graph")
    page.goto(f"{web.base}/ui/data_product/{web.seeded.result}?depth=2")
    _screenshot(page, tmp_path)
    assert page.problems == []


def _screenshot(page: Any, tmp_path: Path) -> None:
    target = Path(os.environ.get("FDP_WEB_SCREENSHOT") or tmp_path / "web-view.png")
    page.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000
