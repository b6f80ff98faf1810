"""`fdpctl remote add|list|remove` against a real shared registry process."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fdp_process import FdpInstance
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


def test_wrong_token_is_named_without_showing_it(
    fdp_home: Path, tmp_path: Path, remote: tuple[RunningRegistry, str]
) -> None:
    registry, _ = remote
    wrong = "0123456789abcdef0123456789abcdef01234567"
    with FdpInstance(fdp_home) as fdp:
        tokens = token_file(tmp_path, wrong)
        result = fdp.run_fdpctl(
            "remote", "add", "origin", registry.api, "--token-file", str(tokens)
        )
        assert result.returncode == 1
        assert "origin" in result.stderr and "token" in result.stderr
        assert wrong not in result.stderr + result.stdout
        assert "Traceback" not in result.stderr
        assert json.loads(fdp.run_fdpctl("--json", "remote", "list").stdout) == []
        daemon_log = fdp.locations.daemon_log_path.read_text()
        assert wrong not in daemon_log


def test_token_file_readable_by_others_is_refused(
    fdp_home: Path, tmp_path: Path, remote: tuple[RunningRegistry, str]
) -> None:
    registry, token = remote
    with FdpInstance(fdp_home) as fdp:
        tokens = token_file(tmp_path, token, mode=0o644)
        result = fdp.run_fdpctl(
            "remote", "add", "origin", registry.api, "--token-file", str(tokens)
        )
        assert result.returncode == 1
        assert f"chmod 600 {tokens}" in result.stderr


def test_unreachable_remote_is_a_clear_error(fdp_home: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    with FdpInstance(fdp_home) as fdp:
        tokens = token_file(tmp_path, "a" * 40)
        result = fdp.run_fdpctl("remote", "add", "origin", url, "--token-file", str(tokens))
        assert result.returncode == 1
        assert "origin" in result.stderr and "127.0.0.1" in result.stderr
        assert "Traceback" not in result.stderr
        offline = fdp.run_fdpctl(
            "remote", "add", "origin", url, "--token-file", str(tokens), "--no-check"
        )
        assert offline.returncode == 0, offline.stderr
