"""~/.fair/registry/token: written and kept in step when fdp may own it, never taken from
FAIR-CLI."""

from __future__ import annotations

import stat
from pathlib import Path

from fdpd.base.fair_token import MARKER_NAME, FairToken, keep_fair_token
from fdpd.base.paths import resolve_locations


def token_path(home: Path) -> Path:
    return home / ".fair" / "registry" / "token"


def test_written_private_where_there_is_no_fair_folder(tmp_path: Path) -> None:
    path = token_path(tmp_path)

    assert keep_fair_token(path, "t1") is FairToken.WRITTEN

    assert path.read_text() == "t1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert (path.parent / MARKER_NAME).exists()


def test_kept_in_step_when_the_token_changes(tmp_path: Path) -> None:
    path = token_path(tmp_path)
    keep_fair_token(path, "t1")

    assert keep_fair_token(path, "t1") is FairToken.UNCHANGED
    assert keep_fair_token(path, "t2") is FairToken.WRITTEN
    assert path.read_text() == "t2"


def test_a_fair_cli_token_is_never_replaced(tmp_path: Path) -> None:
    path = token_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("fair-cli-token")

    assert keep_fair_token(path, "ours") is FairToken.LEFT_TO_FAIR_CLI
    assert path.read_text() == "fair-cli-token"
    assert not (path.parent / MARKER_NAME).exists()


def test_a_fair_cli_install_without_a_token_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / ".fair" / "cli").mkdir(parents=True)
    path = token_path(tmp_path)

    assert keep_fair_token(path, "ours") is FairToken.LEFT_TO_FAIR_CLI
    assert not path.parent.exists()


def test_a_registry_folder_with_other_files_is_left_alone(tmp_path: Path) -> None:
    path = token_path(tmp_path)
    path.parent.mkdir(parents=True)
    (path.parent / "manage.py").write_text("")

    assert keep_fair_token(path, "ours") is FairToken.LEFT_TO_FAIR_CLI
    assert not path.exists()


def test_fdp_stops_once_fair_cli_is_installed_over_its_file(tmp_path: Path) -> None:
    path = token_path(tmp_path)
    keep_fair_token(path, "t1")
    (tmp_path / ".fair" / "cli").mkdir()

    assert keep_fair_token(path, "t2") is FairToken.LEFT_TO_FAIR_CLI
    assert path.read_text() == "t1"


def test_under_fdp_home_the_file_lives_inside_it(tmp_path: Path) -> None:
    locations = resolve_locations({"FDP_HOME": str(tmp_path)})

    assert locations.fair_registry_token_path == token_path(tmp_path)
