"""NUL characters and unpaired surrogates get a 400, not an internal error deep in a verb
(found by the daemon API fuzz: `open()`, SQLite and UTF-8 encoding each raised a 500)."""

from __future__ import annotations

import json

import pytest

from tests.inprocess import InProcessDaemon
from tests.security.conftest import state_of
from tests.security.in_process import send_in_process

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/v1/uncommit", {"path": "/a\x00b"}),
        ("POST", "/v1/uncommit", {"path": "/a\ud800b"}),
        ("POST", "/v1/commit", {"token": "a\ud800b"}),
        ("POST", "/v1/status/item", {"path": "/x\x00"}),
        ("POST", "/v1/working-config", {"config_path": "/c\x00.yaml"}),
        ("POST", "/v1/users", {"username": "x", "data_store": "/tmp/a\x00b"}),
        ("POST", "/v1/run", {"config_text": "x", "environment": {"A": "\x00"}}),
        ("GET", "/v1/jobs/a%00b", None),
        ("GET", "/v1/operations?limit=1&x%00=1", None),
    ],
)
def test_unusable_text_is_a_bad_request(
    secured_daemon: InProcessDaemon, method: str, url: str, body: dict[str, object] | None
) -> None:
    before = state_of(secured_daemon)
    raw = None if body is None else json.dumps(body).encode()

    answer = send_in_process(secured_daemon, method, url, headers=JSON, body=raw)

    assert answer.status == 400, answer.body
    error = answer.json()["error"]
    assert error["code"] == "bad_request" and "NUL" in error["message"] and error["hint"]
    assert state_of(secured_daemon) == before


def test_surrogate_escaped_environment_bytes_pass_to_the_run(
    secured_daemon: InProcessDaemon,
) -> None:
    # Non-UTF-8 environment bytes reach fdpctl as lone surrogates; they are the script's to keep.
    body = {"config_text": "not: [a config", "environment": {"LEGACY": "caf\udce9"}}

    answer = send_in_process(
        secured_daemon, "POST", "/v1/run", headers=JSON, body=json.dumps(body).encode()
    )

    assert answer.status != 500
    assert answer.json()["error"]["code"] != "bad_request"  # the config is what is wrong
