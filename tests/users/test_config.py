"""`fdpctl config USERNAME`: users, tokens, authors, namespaces and shared data stores.

What fdpd does (`POST /v1/users`) runs in process against fdp's registry app, through the
daemon's local-registry seam (tests/inprocess.py); one test runs the real fdpctl and fdpd for
what only they show (the current folder as a new user's store, the lines fdpctl prints)."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import free_port
from tests.fdp_process import FDPCTL, FdpInstance
from tests.inprocess import InProcessDaemon, SyncASGI, daemon_in_process

ORCID = "https://orcid.org/0000-0002-1825-0097"


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[InProcessDaemon]:
    with daemon_in_process(tmp_path / "fdp") as instance:
        yield instance


def configure(daemon: InProcessDaemon, username: str, **fields: Any) -> dict[str, Any]:
    """`fdpctl config USERNAME` as fdpd gets it (`new_data_store`: fdpctl's folder)."""
    body = {"username": username, "new_data_store": str(daemon.home)} | fields
    answer = daemon.call("POST", "/v1/users", body)
    assert answer.status_code == 200, answer.text
    user: dict[str, Any] = answer.json()
    return user


def local_registry(daemon: InProcessDaemon) -> httpx.Client:
    """The local registry's API, as `fdpctl registry start` gives its URL."""
    registry = daemon.registry
    return httpx.Client(base_url=registry.api_url, transport=SyncASGI(registry.app))


def admin_author(registry: httpx.Client, token: str) -> str:
    """What pyDataPipeline resolves: users/?username=admin, then user_author/?user=<id>."""
    admin = registry.get(
        "users/", params={"username": "admin"}, headers={"Authorization": f"token {token}"}
    ).json()["results"][0]
    admin_id = admin["url"].rstrip("/").rsplit("/", 1)[-1]
    links = registry.get("user_author/", params={"user": admin_id}).json()["results"]
    assert len(links) == 1
    return str(links[0]["author"])


def test_two_users_share_a_data_store_and_admin_follows_the_active_one(
    daemon: InProcessDaemon, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    ana = configure(daemon, "ana", data_store=str(store), full_name="Ana Smith", identifier=ORCID)
    bob = configure(daemon, "bob", data_store=str(store))

    users_file = yaml.safe_load((store / ".scrc" / ".users").read_text())["users"]
    assert set(users_file) == {"ana", "bob"}
    assert users_file["ana"]["data_store"] == str(store) + "/"
    assert users_file["ana"]["token_file"] == ana["token_file"]
    for user in (ana, bob):
        mode = stat.S_IMODE(Path(user["token_file"]).stat().st_mode)
        assert mode == 0o600
        assert "token" not in user or user["token"] is None

    ana_token = Path(ana["token_file"]).read_text().strip()
    with local_registry(daemon) as registry:
        assert registry.get(
            "username/", headers={"Authorization": f"token {ana_token}"}
        ).json() == {"username": "ana"}
        author = registry.get(admin_author(registry, ana_token)).json()
        assert author["name"] == "bob"  # bob was configured last
        configure(daemon, "ana", data_store=str(store))
        author = registry.get(admin_author(registry, ana_token)).json()
        assert author["identifier"] == ORCID
        assert author["uuid"] == "f15f1821-d046-ed2a-df1f-2bcdd0b09c16"
        namespaces = {ns["name"] for ns in registry.get("namespace/").json()["results"]}
        assert {"ana", "bob"} <= namespaces
        # Running config again created no second author or namespace.
        assert registry.get("author/").json()["count"] == 2

    # The registry database holds the registry's tables only, none of the journal's.
    with sqlite3.connect(daemon.locations.registry_database_path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "data_product" in tables
    assert not tables & {"operation", "fdp_user", "job", "item"}

    listing = daemon.call("GET", "/v1/users")
    assert listing.status_code == 200
    active = [user["username"] for user in listing.json()["users"] if user["active"]]
    assert active == ["ana"]
    # fdpd's holds on the registry were all given back
    assert "config ana" in daemon.local.holds_taken and not daemon.local.holders


def test_bad_username_is_a_clear_error(daemon: InProcessDaemon, tmp_path: Path) -> None:
    answer = daemon.call(
        "POST", "/v1/users", {"username": "no spaces allowed", "data_store": str(tmp_path)}
    )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert "not a valid user name" in error["message"] and error["hint"]
    assert "Traceback" not in answer.text and "internal" not in answer.text
    assert daemon.call("GET", "/v1/users").json()["users"] == []


@pytest.fixture
def fdp(fdp_home: Path) -> Iterator[FdpInstance]:
    with FdpInstance(fdp_home, extra_env={"FDP_REGISTRY_PORT": str(free_port())}) as instance:
        instance.start_daemon()
        yield instance


def fdpctl_config(fdp: FdpInstance, *args: str) -> dict[str, Any]:
    result = fdp.run_fdpctl("--json", "config", *args)
    assert result.returncode == 0, result.stderr
    user: dict[str, Any] = json.loads(result.stdout)
    return user


def fdpctl_in(fdp: FdpInstance, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FDPCTL), *args], cwd=folder, env=fdp.env, capture_output=True, text=True, timeout=60
    )


def data_stores(fdp: FdpInstance) -> dict[str, tuple[str, bool]]:
    users = json.loads(fdp.run_fdpctl("--json", "config").stdout)
    return {user["username"]: (user["data_store"], user["active"]) for user in users}


def test_config_of_an_existing_user_switches_and_never_moves_their_store(
    fdp: FdpInstance, tmp_path: Path
) -> None:
    """The real fdpctl and fdpd: a new user's store is fdpctl's folder; what fdpctl prints."""
    folder = tmp_path / "cy-store"
    folder.mkdir()

    made = fdpctl_in(fdp, folder, "config", "cy")

    assert made.returncode == 0, made.stderr
    assert "cy is set up and active" in made.stdout
    assert data_stores(fdp)["cy"] == (f"{folder}/", True)
    assert (folder / ".scrc" / ".users").is_file()

    store_a, store_b = tmp_path / "store-a", tmp_path / "store-b"
    fdpctl_config(fdp, "ana", "--data-store", str(store_a))
    fdpctl_config(fdp, "bob", "--data-store", str(store_b))
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", str(project)], check=True)

    switched = fdpctl_in(fdp, project, "config", "ana")

    assert switched.returncode == 0, switched.stderr
    assert f"ana is active; their data store stays {store_a}/" in switched.stdout
    assert data_stores(fdp) == {
        "ana": (f"{store_a}/", True),
        "bob": (f"{store_b}/", False),
        "cy": (f"{folder}/", False),
    }
    assert not (project / ".scrc").exists()
    users_file = yaml.safe_load((store_a / ".scrc" / ".users").read_text())["users"]
    assert users_file["ana"]["data_store"] == f"{store_a}/"

    store_c = tmp_path / "store-c"
    moved = fdpctl_in(fdp, project, "config", "ana", "--data-store", str(store_c))

    assert moved.returncode == 0, moved.stderr
    assert f"data store is now {store_c}/ (was {store_a}/" in moved.stdout
    assert data_stores(fdp)["ana"] == (f"{store_c}/", True)
    assert (store_c / ".scrc" / ".users").is_file() and not (project / ".scrc").exists()

    listing = fdp.run_fdpctl("config")  # the table marks the active user
    assert listing.returncode == 0
    active = [line for line in listing.stdout.splitlines() if line.startswith("*")]
    assert len(active) == 1 and "ana" in active[0]
