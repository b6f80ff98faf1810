"""`fdpctl config` refuses data stores fdp must never write into or delete from: `/`, the home
folder and its ancestors, system folders, fdp's own folders, and links leading to any of them.
Each folder against fdpd's `POST /v1/users` (what `fdpctl config` asks) in process; a link and
an accepted folder through the real fdpctl and fdpd."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fdpd.base.data_store_rules import unsafe_data_store_reason
from fdpd.base.paths import resolve_locations
from tests.conftest import free_port
from tests.fdp_process import FdpInstance
from tests.inprocess import InProcessDaemon, daemon_in_process

HOME = os.path.realpath(Path.home())
HOME_PARENT = os.path.dirname(HOME)


@pytest.fixture(scope="module")
def fdp() -> Iterator[FdpInstance]:
    home = Path(tempfile.mkdtemp(prefix="fdp-ds-", dir="/tmp"))
    try:
        with FdpInstance(home, {"FDP_REGISTRY_PORT": str(free_port())}) as instance:
            instance.start_daemon()
            yield instance
            instance.run_fdpctl("daemon", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessDaemon]:
    """fdpd in process; the refusals leave it as it was, so the module shares it."""
    with daemon_in_process(tmp_path_factory.mktemp("fdp-ds")) as instance:
        yield instance


@pytest.mark.parametrize(
    ("folder", "reason"),
    [
        ("/", "it is the root folder"),
        (HOME, "it is your home folder"),
        (HOME_PARENT, "it holds your home folder" if HOME_PARENT != "/" else "root folder"),
        ("/usr", "/usr is a system folder"),
        ("/usr/local/fdp", "inside the system folder /usr"),
        ("/etc", "/etc is a system folder"),
        ("/lib64", "/lib64 is a system folder"),
        ("/var", "/var is a system folder"),
        ("/tmp", "/tmp is a system folder"),
        ("/proc/1", "inside the system folder /proc"),
        ("{home}", "holds fdp's own config folder"),
        ("{home}/data", "it is fdp's own data folder"),
        ("{home}/state/store", "inside fdp's own state folder"),
    ],
)
def test_unsafe_data_store_is_refused(daemon: InProcessDaemon, folder: str, reason: str) -> None:
    folder = folder.format(home=daemon.home)
    before = set(Path(folder).iterdir()) if Path(folder).is_dir() else None
    answer = daemon.call("POST", "/v1/users", {"username": "zed", "data_store": folder})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "bad_data_store"
    assert error["message"].startswith(f"cannot use {folder} as a data store: ")
    assert reason in error["message"] and "a folder of its own" in error["hint"]
    listed = daemon.call("GET", "/v1/users")
    assert listed.status_code == 200, listed.text
    assert "zed" not in [user["username"] for user in listed.json()["users"]]
    if before is not None:
        assert set(Path(folder).iterdir()) == before  # no .scrc, no jobs: nothing written
    else:
        assert not Path(folder).exists()


def test_a_link_to_an_unsafe_folder_is_refused_and_a_folder_of_its_own_accepted(
    fdp: FdpInstance, tmp_path: Path
) -> None:
    link = tmp_path / "looks-harmless"
    link.symlink_to("/")
    result = fdp.run_fdpctl("config", "zed", "--data-store", str(link))
    assert result.returncode == 1
    assert f"cannot use {link} as a data store: it is the root folder (it leads to /)" in (
        result.stderr
    )
    assert "a folder of its own" in result.stderr  # fdpctl shows the hint
    assert "Traceback" not in result.stderr

    store = tmp_path / "fdp-data"
    result = fdp.run_fdpctl("--json", "config", "zed", "--data-store", str(store))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data_store"] == f"{store}/"
    assert (store / ".scrc" / ".users").is_file()


def test_rules_for_folders_inside_allowed_parents() -> None:
    locations = resolve_locations({"FDP_HOME": "/tmp/fdp-rules"})
    for allowed in ("/tmp/x", "/var/lib/fdp", "/opt/fdp", f"{HOME}/fdp-data", "/tmp/fdp-rules2"):
        assert unsafe_data_store_reason(Path(allowed), locations) is None, allowed
    for refused in ("/tmp/fdp-rules/run", "/tmp/fdp-rules/config/x", "/sys/x", "/System/fdp"):
        assert unsafe_data_store_reason(Path(refused), locations) is not None, refused
