"""`fdpd registry add-user NAME --output FILE`: the key in a new 0600 file, whatever the umask,
that `fdpctl remote add --token-file FILE` accepts as it is (docs/team-registry.md). The command
in process (tests/registry/command.py); fdpd's `POST /v1/remotes`, what `fdpctl remote add`
asks, in process too (tests/inprocess.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.inprocess import daemon_in_process
from tests.registry.command import Ran, fdpd


def add_user_to_file(database_url: str, name: str, output: Path) -> Ran:
    """The command under the usual umask 022 (with which `> FILE` makes a 0644 file)."""
    previous = os.umask(0o022)
    try:
        return fdpd(
            "registry", "add-user", name, "--database", database_url, "--output", str(output)
        )
    finally:
        os.umask(previous)


def test_the_key_file_is_0600_and_remote_add_accepts_it(tmp_path: Path) -> None:
    with daemon_in_process(tmp_path / "fdp") as daemon:
        registry = daemon.add_remote_registry("origin", tmp_path / "remote")
        token_file = tmp_path / "ana.token"

        added = add_user_to_file(registry.database_url, "ana", token_file)

        assert added.returncode == 0, added.stderr
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        key = token_file.read_text().strip()
        assert len(key) == 40 and key not in added.stdout
        assert str(token_file) in added.stdout
        body = {"name": "origin", "url": registry.api_url, "token_file": str(token_file)}
        remote = daemon.call("POST", "/v1/remotes", body)  # `fdpctl remote add`, checked
        assert remote.status_code == 200, remote.text
        listed = daemon.call("GET", "/v1/remotes").json()
        assert [r["name"] for r in listed["remotes"]] == ["origin"], listed


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'registry.db'}"
    existing = tmp_path / "ana.token"
    existing.write_text("an earlier key\n")

    again = add_user_to_file(database_url, "ana", existing)

    assert again.returncode == 1
    assert f"{existing} exists already" in again.stderr
    assert "Traceback" not in again.stderr
    assert existing.read_text() == "an earlier key\n"
