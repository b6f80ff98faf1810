"""The web view's pages, asked of the registry app in process as over HTTP: each page, escaping,
the CSP, privacy, the login code and session cookie, search, namespace filter and cursor pages.
(The login code's redaction in the access log, a server's, is in test_browser.py.)"""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import httpx

from tests.inprocess import registry_in_process
from tests.web.conftest import WebRegistry
from tests.web.seed import seed

CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'"


def _get(web: WebRegistry, path: str, **kwargs: object) -> httpx.Response:
    with web.anonymous() as client:
        return client.get(path, **kwargs)  # type: ignore[arg-type]


def test_every_page_loads_with_a_no_script_policy(web: WebRegistry) -> None:
    s = web.seeded
    for path in ("/ui/", "/ui/data_product/", f"/ui/data_product/{s.result}",
                 f"/ui/data_product/{s.result}?depth=3", f"/ui/code_run/{s.model_run}",
                 "/ui/code_run/", f"/ui/author/{s.author}", "/ui/author/",
                 f"/ui/namespace/{s.namespace}", "/ui/namespace/"):  # fmt: skip
        answer = _get(web, path)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert answer.headers["content-security-policy"].startswith(CSP), path
        assert "script-src" not in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in answer.text, path  # no script of ours, and none let through


def test_home_counts_runs_and_namespaces(web: WebRegistry) -> None:
    text = _get(web, "/ui/").text
    assert "<b>3</b>data products" in text
    assert "<b>2</b>code runs" in text
    assert f'href="/ui/code_run/{web.seeded.model_run}"' in text
    assert "hydro &amp; co &lt;b&gt;" in text  # the namespace's full name, escaped


def test_every_value_is_escaped(web: WebRegistry) -> None:
    text = _get(web, f"/ui/data_product/{web.seeded.result}").text
    assert "&lt;script&gt;window.fdpInjected = 1&lt;/script&gt;mean flow" in text
    assert "Ana &lt;i&gt;Example&lt;/i&gt;" in text
    raw = _get(web, f"/ui/data_product/{web.seeded.raw}").text
    assert "gauge 3 &lt;drifts&gt;" in raw


def test_product_page_shows_the_file_versions_and_downloads(web: WebRegistry) -> None:
    s = web.seeded
    text = _get(web, f"/ui/data_product/{s.raw}").text
    size = s.raw_file.stat().st_size
    assert f"<dd>{size:,} bytes</dd>" in text
    assert re.search(r"<code>[0-9a-f]{40}</code>", text)
    assert 'href="/data_product/hydro:flow/raw@v1.0.0"' in text
    assert _get(web, "/data_product/hydro:flow/raw@v1.0.0").content == s.raw_file.read_bytes()
    for download in (f"/api/prov-report/{s.raw}/?format=json",
                     f"/api/ro-crate/data-product/{s.raw}/"):  # fmt: skip
        assert download in text
        assert _get(web, download).status_code == 200


def test_graph_is_drawn_as_svg_with_links_to_every_node(web: WebRegistry) -> None:
    s = web.seeded
    text = _get(web, f"/ui/data_product/{s.result}?depth=2").text
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert f'xlink:href="/ui/code_run/{s.model_run}"' in svg
    assert f'xlink:href="/ui/code_run/{s.upstream_run}"' in svg  # depth 2 reaches upstream
    assert f'xlink:href="/ui/data_product/{s.raw}"' in svg
    assert "private item" in svg and "flow/secret" not in svg
    shallow = _get(web, f"/ui/data_product/{s.result}").text
    assert f"/ui/code_run/{s.upstream_run}" not in shallow


def test_private_items_are_hidden_from_anonymous_visitors(web: WebRegistry) -> None:
    s = web.seeded
    answer = _get(web, f"/ui/data_product/{s.secret}")
    assert answer.status_code == 403
    assert "fdpctl registry open" in answer.text
    assert "confidential" not in answer.text
    for path in ("/ui/data_product/", "/ui/data_product/?q=flow", f"/ui/author/{s.author}",
                 f"/ui/namespace/{s.namespace}", f"/ui/code_run/{s.model_run}"):  # fmt: skip
        text = _get(web, path).text
        assert "flow/secret" not in text and "confidential" not in text, path
    assert "1 private item(s) not shown." in _get(web, f"/ui/code_run/{s.model_run}").text


def test_a_login_code_opens_a_session_once(web: WebRegistry) -> None:
    with web.anonymous() as loopback:  # 127.0.0.1: its cookie would go to every port there
        refused = loopback.get(web.login_path())
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
        assert "fdpctl registry open" in refused.text
    login = web.login_path()
    with web.browser_client() as browser:
        answer = browser.get(login)
        assert answer.status_code == 200
        cookie = answer.headers["set-cookie"]
        assert re.fullmatch(r"fdp_session=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=/", cookie)
        assert 'http-equiv="refresh"' in answer.text
        secret = browser.get(f"/ui/data_product/{web.seeded.secret}")
        assert secret.status_code == 200 and "confidential flows" in secret.text
        assert "signed in as admin" in secret.text
        # under another name of the same server (127.0.0.1) the session counts for nothing
        with web.anonymous() as elsewhere:
            elsewhere.cookies.set("fdp_session", browser.cookies["fdp_session"])
            assert elsewhere.get(f"/ui/data_product/{web.seeded.secret}").status_code == 403
        # the session fetches private content, but never writes
        assert browser.get(f"/api/prov-report/{web.seeded.secret}/").status_code == 200
        write = browser.post("/api/namespace/", json={"name": "by-cookie"})
        assert write.status_code == 403
    with web.browser_client() as other:
        again = other.get(login)
        assert again.status_code == 403 and "already used or expired" in again.text
        assert "set-cookie" not in again.headers
        assert other.get(f"/ui/data_product/{web.seeded.secret}").status_code == 403
        other.cookies.set("fdp_session", "forged")
        assert other.get(f"/ui/data_product/{web.seeded.secret}").status_code == 403


def test_login_codes_need_a_token(web: WebRegistry) -> None:
    with web.anonymous() as client:
        assert client.post("/fdp/login-code").status_code == 403
        bad = client.post("/fdp/login-code", headers={"Authorization": "token " + "0" * 40})
        assert bad.status_code == 403
        assert client.get("/fdp/login-code").status_code == 405


def test_search_namespace_filter_and_cursor_pages(web: WebRegistry) -> None:
    with web.admin() as admin:
        namespace = admin.post("/api/namespace/", json={"name": "many"}).json()["url"]
        obj = admin.post("/api/object/", json={"description": "bulk"}).json()["url"]
        for i in range(105):
            body = {"name": f"bulk/p{i:03}", "version": "0.1.0", "object": obj,
                    "namespace": namespace}  # fmt: skip
            assert admin.post("/api/data_product/", json=body).status_code == 201
    first = _get(web, "/ui/data_product/", params={"namespace": "many"}).text
    assert "105 found" in first
    assert len(re.findall(r'href="/ui/data_product/\d+"', first)) == 100
    assert "bulk/p104" in first and "bulk/p004" not in first
    older = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert older is not None
    second = _get(web, older.group(1).replace("&amp;", "&")).text
    assert len(re.findall(r'href="/ui/data_product/\d+"', second)) == 5
    assert "bulk/p004" in second and "bulk/p000" in second and "bulk/p104" not in second
    assert '<a rel="prev"' in second
    globbed = _get(web, "/ui/data_product/", params={"name": "bulk/p10[0-2]"}).text
    assert "3 found" in globbed
    assert "0 found" in _get(web, "/ui/data_product/", params={"name": "bulk/p10"}).text
    texts = _get(web, "/ui/data_product/", params={"q": "GAUGE readings"}).text
    assert "1 found" in texts and "flow/raw" in texts
    # text found in every bulk description: counted and paged like the other filters
    described = _get(web, "/ui/data_product/", params={"q": "BULK", "namespace": "many"}).text
    assert "105 found" in described and "bulk/p104" in described and "bulk/p004" not in described
    later = re.search(r'<a rel="next" href="([^"]+)"', described)
    assert later is not None
    rest = _get(web, later.group(1).replace("&amp;", "&")).text
    assert len(re.findall(r'href="/ui/data_product/\d+"', rest)) == 5
    assert "0 found" in _get(web, "/ui/data_product/", params={"q": "no such text"}).text
    bad = _get(web, "/ui/data_product/", params={"cursor": "nonsense"})
    assert bad.status_code == 404 and "Invalid cursor" in bad.text


def test_search_form_offers_each_namespace_by_name(web: WebRegistry) -> None:
    """The namespace chooser's options are the names themselves (they were database rows
    printed as text, `('hydro',)`, so choosing one found nothing)."""
    assert '<option value="hydro">hydro</option>' in _get(web, "/ui/data_product/").text
    chosen = _get(web, "/ui/data_product/", params={"namespace": "hydro"}).text
    assert '<option value="hydro" selected>hydro</option>' in chosen
    assert "flow/raw" in chosen


def test_templates_and_style_sheet_are_package_data(web: WebRegistry) -> None:
    """The pages come from files shipped in the wheel (pyproject's package-data): every
    template and static file is matched by it, and the style sheet is served as written."""
    package = Path(__file__).parents[2] / "fdpregistry" / "web"
    with (package.parents[1] / "pyproject.toml").open("rb") as file:
        shipped = tomllib.load(file)["tool"]["setuptools"]["package-data"]["fdpregistry.web"]
    found = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    data = [p.relative_to(package).as_posix() for p in found if p.suffix != ".py"]
    assert {"templates/base.html", "static/style.css"} <= set(data)
    assert all(any(fnmatch(path, glob) for glob in shipped) for path in data), (data, shipped)
    style = _get(web, "/ui/style.css")
    assert style.content == (package / "static" / "style.css").read_bytes()
    assert style.headers["content-type"] == "text/css; charset=utf-8"


def test_pages_are_get_only_and_unknown_records_404(web: WebRegistry) -> None:
    with web.anonymous() as client:
        assert client.post("/ui/").status_code == 405
        assert client.get("/ui/data_product/999999").status_code == 404
        assert client.get("/ui/code_run/abc").status_code == 404


def test_shared_mode_shows_public_items_only_and_has_no_login(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    with (
        registry_in_process(
            tmp_path, shared=True, file_roots=(files,), with_data_store=False
        ) as registry,
        registry.http(registry.token, accept=None) as admin,
        registry.http(accept=None) as anonymous,
    ):
        seeded = seed(admin, files)
        assert anonymous.get(f"/ui/data_product/{seeded.secret}").status_code == 403
        listing = anonymous.get("/ui/data_product/").text
        assert "flow/result" in listing and "flow/secret" not in listing
        assert admin.post("/fdp/login-code").status_code == 404


def test_only_its_own_localhost_name_is_answered(web: WebRegistry) -> None:
    """The guard answers the web view's own `.localhost` name besides the loopback names; any
    other name (another `*.localhost`, a rebinding domain) is refused."""
    with web.browser_client() as own:
        assert own.get("/ui/").status_code == 200
    port = web.base.rsplit(":", 1)[1]
    for host in (f"fdp-000000000000000000000000.localhost:{port}", f"evil.example:{port}"):
        with web.anonymous() as other:
            assert other.get("/ui/", headers={"Host": host}).status_code == 403, host
