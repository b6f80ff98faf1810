"""`fdpd registry add-user NAME --output FILE`: the key in a new 0600 file, whatever the umask,
that `fdpctl remote add --token-file FILE` accepts as it is (docs/team-registry.md)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.fdp_process import FdpInstance
from tests.registry.running_registry import FDPD, running_registry


def add_user_to_file(
    database_url: str, name: str, output: Path
) -> subprocess.CompletedProcess[str]:
    """The real command, under the usual umask 022 (with which `> FILE` makes a 0644 file)."""
    previous = os.umask(0o022)
    try:
        return subprocess.run(
            [
                str(FDPD),
                "registry",
                "add-user",
                name,
                "--database",
                database_url,
                "--output",
                str(output),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.umask(previous)


def test_the_key_file_is_0600_and_remote_add_accepts_it(fdp_home: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "remote"
    with running_registry(workdir, shared=True, data_store=str(workdir / "store")) as registry:
        token_file = tmp_path / "ana.token"

        added = add_user_to_file(registry.database_url, "ana", token_file)

        assert added.returncode == 0, added.stderr
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        key = token_file.read_text().strip()
        assert len(key) == 40 and key not in added.stdout
        assert str(token_file) in added.stdout
        with FdpInstance(fdp_home) as fdp:
            remote = fdp.run_fdpctl(
                "remote", "add", "origin", registry.api, "--token-file", str(token_file)
            )
            assert remote.returncode == 0, remote.stderr


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'registry.db'}"
    existing = tmp_path / "ana.token"
    existing.write_text("an earlier key\n")

    again = add_user_to_file(database_url, "ana", existing)

    assert again.returncode == 1
    assert f"{existing} exists already" in again.stderr
    assert "Traceback" not in again.stderr
    assert existing.read_text() == "an earlier key\n"
