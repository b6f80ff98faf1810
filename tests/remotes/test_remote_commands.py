"""`fdpctl remote add|list|remove`: once with the real fdpctl, fdpd and a shared registry
process; the refusals in process (`POST /v1/remotes` of the daemon app, the shared registry app
reached through `Services.remote_transport`, tests/inprocess.py)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fdpd.remote import client
from tests.conftest import free_port
from tests.fdp_process import FdpInstance
from tests.inprocess import InProcessDaemon, InProcessRegistry, daemon_in_process
from tests.registry.running_registry import RunningRegistry, running_registry


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningRegistry, str]]:
    """A shared registry with user `ana`; yields it and ana's token."""
    workdir = tmp_path_factory.mktemp("remote")
    with running_registry(workdir, shared=True, data_store=str(workdir / "store")) as registry:
        yield registry, registry.add_user("ana")


def token_file(folder: Path, token: str, mode: int = 0o600) -> Path:
    path = folder / "origin.token"
    path.write_text(token + "\n")
    os.chmod(path, mode)
    return path


def test_add_list_remove(
    fdp_home: Path, tmp_path: Path, remote: tuple[RunningRegistry, str]
) -> None:
    registry, token = remote
    with FdpInstance(fdp_home) as fdp:
        tokens = token_file(tmp_path, token)
        added = fdp.run_fdpctl(
            "remote", "add", "origin", registry.base_url, "--token-file", str(tokens)
        )
        assert added.returncode == 0, added.stderr
        assert f"remote origin added: {registry.api}" in added.stdout

        listed = json.loads(fdp.run_fdpctl("--json", "remote", "list").stdout)
        assert listed == [
            {"name": "origin", "url": registry.api, "token_file": str(tokens), "data_store": None}
        ]
        stored = (fdp.locations.config_dir / "remotes.yaml").read_text()
        assert token not in stored

        again = fdp.run_fdpctl("remote", "add", "origin", registry.api, "--token-file", str(tokens))
        assert again.returncode == 1 and "exists already" in again.stderr

        assert fdp.run_fdpctl("remote", "remove", "origin").returncode == 0
        assert json.loads(fdp.run_fdpctl("--json", "remote", "list").stdout) == []


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[InProcessDaemon]:
    with daemon_in_process(tmp_path / "fdp") as instance:
        yield instance


@pytest.fixture
def origin(daemon: InProcessDaemon, tmp_path: Path) -> InProcessRegistry:
    """A shared registry with a folder data store the daemon reaches as a remote would be."""
    return daemon.add_remote_registry("origin", tmp_path / "origin")


def add_remote(daemon: InProcessDaemon, url: str, tokens: Path, check: bool = True) -> Any:
    """`fdpctl remote add origin URL --token-file FILE` as fdpd gets it."""
    body = {"name": "origin", "url": url, "token_file": str(tokens), "check": check}
    return daemon.call("POST", "/v1/remotes", body)


def listed(daemon: InProcessDaemon) -> list[dict[str, Any]]:
    remotes: list[dict[str, Any]] = daemon.call("GET", "/v1/remotes").json()["remotes"]
    return remotes


def test_wrong_token_is_named_without_showing_it(
    daemon: InProcessDaemon,
    origin: InProcessRegistry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    origin.add_user("ana")
    wrong = "0123456789abcdef0123456789abcdef01234567"
    tokens = token_file(tmp_path, wrong)
    with caplog.at_level(logging.DEBUG):
        answer = add_remote(daemon, origin.api_url, tokens)
    assert answer.status_code >= 400
    error = answer.json()["error"]
    said = error["message"] + error["hint"]
    assert "origin" in said and "token" in said
    assert wrong not in answer.text
    assert "Traceback" not in answer.text
    assert listed(daemon) == []
    assert caplog.records and wrong not in caplog.text  # nor in fdpd's log


def test_token_file_readable_by_others_is_refused(
    daemon: InProcessDaemon, origin: InProcessRegistry, tmp_path: Path
) -> None:
    tokens = token_file(tmp_path, origin.add_user("ana"), mode=0o644)
    answer = add_remote(daemon, origin.api_url, tokens)
    assert answer.status_code >= 400
    assert f"chmod 600 {tokens}" in answer.json()["error"]["hint"]
    assert listed(daemon) == []


def test_unreachable_remote_is_a_clear_error(
    daemon: InProcessDaemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every attempt is made, without the pauses between them (the port refuses at once)
    monkeypatch.setattr(client, "RETRY_DELAYS", (0.0,) * len(client.RETRY_DELAYS))
    url = f"http://127.0.0.1:{free_port()}/api/"
    tokens = token_file(tmp_path, "a" * 40)
    answer = add_remote(daemon, url, tokens)
    assert answer.status_code >= 400
    error = answer.json()["error"]
    assert "origin" in error["message"] and "127.0.0.1" in error["message"]
    assert "Traceback" not in answer.text
    offline = add_remote(daemon, url, tokens, check=False)
    assert offline.status_code == 200, offline.text
    assert [remote["url"] for remote in listed(daemon)] == [url]
