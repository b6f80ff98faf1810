"""The web view in a real browser (headless Chromium) against a registry process: links followed
from the product list to a product to its code run, the search form, the graph drawn, the login
code under the web view's own host name (and nothing of it at another loopback port), no console
error; and the login code kept out of the server's access log. The README's picture comes from
test_demo_picture.py."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def test_list_to_product_to_code_run(served: WebRegistry, page: Any) -> None:
    seeded = served.seeded
    page.goto(f"{served.base}/ui/")
    assert page.title() == "Registry · fdp registry"
    page.click("text=Data products")
    page.fill("input[name=name]", "flow/r*")
    page.click("button[type=submit]")
    assert "name=flow%2Fr*" in page.url
    page.click("text=hydro:flow/result@1.0.0")
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
    page.click("text=hydro:flow/raw@1.0.0")
    page.wait_for_url(f"**/ui/data_product/{seeded.raw}")
    assert "gauge 3 <drifts>" in page.inner_text("main")
    for path in ("/ui/code_run/", "/ui/namespace/", "/ui/author/",
                 f"/ui/author/{seeded.author}", f"/ui/namespace/{seeded.namespace}"):  # fmt: skip
        assert page.goto(served.base + path).status == 200, path
    assert page.problems == []


def test_login_code_shows_private_items(served: WebRegistry, page: Any) -> None:
    secret = f"/ui/data_product/{served.seeded.secret}"
    assert page.goto(served.base + secret).status == 403
    page.problems.clear()  # Chromium reports the (expected) 403 on the console
    base = served.web_base  # the web view's own host name: Chromium resolves *.localhost itself
    page.goto(base + served.login_path())
    page.wait_for_url(f"{base}/ui/")  # the login page moves on by itself
    assert "signed in as admin" in page.inner_text("header")
    assert page.goto(base + secret).status == 200
    assert "confidential flows" in page.inner_text("main")
    assert page.locator(".graph svg g.node").count() == 4
    assert "private item" not in page.inner_text(".graph")
    assert page.problems == []


class _Recorder(BaseHTTPRequestHandler):
    """Another program on loopback (another local user's): keeps every request it receives."""

    received: list[str] = []

    def do_GET(self) -> None:
        self.received.append(f"{self.requestline}\n{self.headers}")
        body = b"<!DOCTYPE html><title>elsewhere</title><p>another program"
        # Chromium may drop a connection it no longer needs: nothing to print about it
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def other_server() -> Iterator[tuple[int, list[str]]]:
    received: list[str] = []
    handler = type("Recorder", (_Recorder,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()


def test_the_session_never_reaches_another_program_on_loopback(
    served: WebRegistry, page: Any, other_server: tuple[int, list[str]]
) -> None:
    """Browsers scope cookies by host name, not port: the session lives under the web view's own
    name, so a server on another loopback port receives nothing that opens the registry."""
    port, received = other_server
    login = served.login_path()
    opened = page.goto(served.web_base + login)
    assert opened is not None and opened.status == 200
    page.wait_for_url(f"{served.web_base}/ui/")
    assert page.goto(f"{served.web_base}/ui/data_product/{served.seeded.secret}").status == 200
    (session,) = [c["value"] for c in page.context.cookies() if c["name"] == "fdp_session"]
    for address in (f"http://127.0.0.1:{port}/", f"http://localhost:{port}/a?b",
                    f"http://127.0.0.1:{port}/ui/"):  # fmt: skip
        assert page.goto(address).status == 200
    assert len(received) >= 3  # the pages (and Chromium's favicon requests)
    everything = "\n".join(received)
    assert session not in everything and "fdp_session" not in everything
    assert login.split("code=", 1)[1] not in everything
    assert page.problems == []


def test_a_login_code_never_reaches_the_access_log(served: WebRegistry) -> None:
    login = served.login_path()
    with served.browser_client() as browser:
        assert browser.get(login).status_code == 200
        assert browser.get(login).status_code == 403  # spent
    assert served.server is not None
    log = served.server.log()
    assert login.split("code=", 1)[1] not in log
    assert '"GET /ui/login?code=(redacted) HTTP/1.1" 403' in log  # the spent code's line
