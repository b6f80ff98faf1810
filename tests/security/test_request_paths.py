"""Paths in request bodies must be absolute: fdpd never makes a data store or reads a token file
relative to its own working directory or home (found while fuzzing the daemon API)."""

from __future__ import annotations

import json

import pytest

from tests.inprocess import InProcessDaemon
from tests.security.conftest import state_of
from tests.security.in_process import send_in_process

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/v1/users", {"username": "zed", "data_store": "relative/store"}),
        ("/v1/users", {"username": "zed", "data_store": "~/fdp-store"}),
        (
            "/v1/remotes",
            {"name": "o", "url": "http://127.0.0.1:9/api/", "token_file": "t", "check": False},
        ),
    ],
)
def test_relative_paths_are_refused(
    secured_daemon: InProcessDaemon, route: str, body: dict[str, object]
) -> None:
    before = state_of(secured_daemon)

    answer = send_in_process(
        secured_daemon, "POST", route, headers=JSON, body=json.dumps(body).encode()
    )

    assert answer.status == 400, answer.body
    error = answer.json()["error"]
    assert error["code"] == "bad_request"
    assert "not absolute" in error["message"] and error["hint"]
    assert state_of(secured_daemon) == before


@pytest.mark.parametrize("data_store", ["/dev/null", "/proc/self/environ", "/proc/no-such/x"])
def test_a_data_store_that_cannot_be_a_folder_is_refused(
    secured_daemon: InProcessDaemon, data_store: str
) -> None:
    before = state_of(secured_daemon)
    body = json.dumps({"username": "zed", "data_store": data_store}).encode()

    answer = send_in_process(secured_daemon, "POST", "/v1/users", headers=JSON, body=body)

    assert answer.status == 400, answer.body
    error = answer.json()["error"]
    assert error["code"] == "bad_data_store"
    assert data_store in error["message"] and error["hint"]
    assert state_of(secured_daemon) == before
