"""What a remote answers is untrusted input (issue 20 item 11): an answer of 200,000-deep JSON
makes the real `fdpctl pull` fail with a coded error naming the remote and the URL, not
"internal error in pull"."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fdp_process import json_lines
from tests.push.processes import Site, fdp_site

DEPTH = 200_000
READ_CONFIG = """\
run_metadata:
  description: reads from a remote that answers nonsense
  script: python3 model.py
read:
  - data_product: some/data
    use:
      namespace: someone
"""


class _DeepJson(BaseHTTPRequestHandler):
    """FAULT INJECTION: a registry stand-in answering with 200,000-deep JSON, which no real
    registry sends (a broken proxy or a hostile server can). Once `names_user` is set it answers
    `GET /api/username/` as a registry does, so that `remote add` succeeds."""

    names_user = False

    def _answer(self) -> None:
        body = b"[" * DEPTH + b"]" * DEPTH
        if self.names_user and self.path.startswith("/api/username"):
            body = b'{"username": "ana"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def deep_remote() -> Iterator[str]:
    _DeepJson.names_user = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DeepJson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ana() -> Iterator[Site]:
    with fdp_site("ana") as site:
        yield site


def test_deeply_nested_json_from_a_remote_is_named_not_an_internal_error(
    ana: Site, deep_remote: str, tmp_path: Path
) -> None:
    token = tmp_path / "deep.token"
    token.write_text("some-token\n")
    token.chmod(0o600)
    refused = ana.fdpctl("remote", "add", "deep", deep_remote, "--token-file", str(token))
    assert refused.returncode == 1 and "internal error" not in refused.stderr, refused.stderr
    assert f"remote deep answered GET {deep_remote}username/ with JSON nested" in refused.stderr
    _DeepJson.names_user = True
    ana.ok("remote", "add", "deep", deep_remote, "--token-file", str(token))
    project = ana.project("deep", {"config.yaml": READ_CONFIG})

    result = ana.fdpctl("--json", "pull", "config.yaml", "--remote", "deep", cwd=project)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    events = json_lines(result.stdout)
    text = json.dumps(events)
    assert "internal error" not in text, text[-2000:]
    errors = [e["error"] for e in events if e.get("type") == "error"]
    failed = [i for e in events if e.get("type") == "result" for i in e["result"]["items"]]
    said = errors or failed
    assert said, events[-3:]
    message = json.dumps(said)
    assert "remote deep" in message and "nested too deeply" in message, message
    assert deep_remote.removesuffix("/api/") in message, message
    if errors:
        assert errors[0]["code"] == "remote_failed", errors
    plain = ana.fdpctl("pull", "config.yaml", "--remote", "deep", cwd=project)
    assert plain.returncode == 1 and "nested too deeply" in plain.stderr + plain.stdout
