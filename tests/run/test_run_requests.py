"""What one `fdpctl run` asks of the local registry and the disk (issue 27: `fdpctl run` at most
50 ms over the bare script): counted, not timed.

fdpctl's code and fdpd's features run in process against fdp's registry app
(tests/inprocess.py, tests/fdpctl_in_process.py); the script (`true`) and git are real.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fdpd.features.run import checks
from fdpd.journal.users import all_users
from fdpd.local_registry import lifecycle
from fdpd.remote.client import RegistryClient
from tests.fdpctl_in_process import fdpctl_in
from tests.inprocess import InProcessDaemon, daemon_in_process
from tests.run.conftest import make_project

TRUE_CONFIG = """\
run_metadata:
  description: does nothing
  script: "true"
"""


class CountingTransport(httpx.ASGITransport):
    """The registry app's transport, with each request noted (table and filter) and the most
    requests it had in flight at once (each lets the event loop run once before it is served,
    so requests issued side by side are seen so; the in-process app itself never yields)."""

    def __init__(self, app: Any, seen: list[str], peak: list[int]) -> None:
        super().__init__(app=app)
        self.seen = seen
        self.peak = peak
        self.in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        table = request.url.path.removeprefix("/api/").strip("/")
        keys = ",".join(sorted(request.url.params.keys()))
        self.seen.append(
            f"{request.method} {table}?{keys}" if keys else f"{request.method} {table}"
        )
        self.in_flight += 1
        self.peak[0] = max(self.peak[0], self.in_flight)
        try:
            await asyncio.sleep(0)  # a request issued alongside this one gets to start now
            return await super().handle_async_request(request)
        finally:
            self.in_flight -= 1


class Counted:
    """The requests every client of the in-process local registry makes, from `start()` on."""

    def __init__(self, daemon: InProcessDaemon) -> None:
        self.seen: list[str] = []
        self.peak = [0]
        shared = CountingTransport(daemon.registry.app, self.seen, self.peak)
        # every client of the local registry gets this one transport: in-flight counts them all
        daemon.registry.transport = lambda: shared  # type: ignore[method-assign]

    def start(self) -> None:
        self.seen.clear()
        self.peak[0] = 0


@pytest.fixture
def ana(tmp_path: Path) -> Iterator[tuple[InProcessDaemon, Path]]:
    checks._admin_ids.clear()  # each test's registry is new
    with daemon_in_process(tmp_path / "fdp") as daemon:
        store = tmp_path / "store"
        body = {"username": "ana", "data_store": str(store), "new_data_store": str(tmp_path)}
        answer = daemon.call("POST", "/v1/users", body)
        assert answer.status_code == 200, answer.text
        project = make_project(tmp_path / "project", {"true.yaml": TRUE_CONFIG})
        yield daemon, project


def run_true(daemon: InProcessDaemon, project: Path) -> dict[str, Any]:
    env = {"PATH": os.environ.get("PATH", "")}
    done = fdpctl_in(daemon, "--json", "run", "true.yaml", cwd=project, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])["result"]
    assert result["state"] == "succeeded"
    return result


def test_a_run_asks_the_registry_once_for_admin_and_side_by_side(
    ana: tuple[InProcessDaemon, Path],
) -> None:
    daemon, project = ana
    counted = Counted(daemon)
    run_true(daemon, project)  # the first run learns admin's id and registers the script

    counted.start()
    run_true(daemon, project)

    asked = Counter(counted.seen)
    # admin's author is still asked before every run (never taken from memory), admin's id is not
    assert asked["GET users?username"] == 0, counted.seen
    assert asked["GET user_author?user"] == 1, counted.seen
    # the script's location (registered by the first run) and the config's two look-ups
    assert asked["GET storage_location?hash"] == 2, counted.seen
    assert asked["GET storage_location?path"] == 1, counted.seen
    assert sum(asked.values()) == 4, counted.seen
    # the script's look-up goes alongside admin's author, the config's two alongside each other
    assert counted.peak[0] >= 2, counted.seen


def test_a_run_opens_a_registry_client_per_token_once_for_checks_and_bookkeeping(
    ana: tuple[InProcessDaemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each registry client is a connection pool: the run's checks (anonymous, and the user's
    token for admin's author) open two, and the bookkeeping after the script takes up the
    anonymous one again rather than opening a third (and its connections)."""
    daemon, project = ana
    run_true(daemon, project)  # the first run registers the script
    made: list[str | None] = []
    init = RegistryClient.__init__

    def counted_init(self: RegistryClient, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append("token" if self.has_token else None)

    monkeypatch.setattr(RegistryClient, "__init__", counted_init)
    counted = Counted(daemon)
    counted.start()
    run_true(daemon, project)

    assert sum(Counter(counted.seen).values()) == 4, counted.seen  # as before: 4 requests
    assert sorted(made, key=str) == [None, "token"], made


def test_admin_re_pointed_behind_fdpds_back_is_pointed_back_before_the_run(
    ana: tuple[InProcessDaemon, Path],
) -> None:
    """Anyone holding the registry's admin token can re-point `admin` (the language APIs' author)
    without fdpd knowing: the next run still finds it and points it back first."""
    daemon, project = ana
    run_true(daemon, project)  # admin's id is known from here on
    registry = daemon.registry
    ana_author = admin_author(daemon)
    admin = registry.admin_headers()
    made = registry.post(registry.api + "author/", json={"name": "Someone Else"}, headers=admin)
    assert made.status_code == 201, made.text
    moved = registry.put(
        registry.base_url + "/fdp/active-author", json={"author": made.json()["url"]}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    assert admin_author(daemon) != ana_author

    counted = Counted(daemon)
    counted.start()
    run_true(daemon, project)

    assert admin_author(daemon) == ana_author
    assert "PUT fdp/active-author" in counted.seen, counted.seen
    assert Counter(counted.seen)["GET users?username"] == 1, counted.seen  # admin's id again


def admin_author(daemon: InProcessDaemon) -> str:
    registry = daemon.registry
    api, admin = registry.api, registry.admin_headers()
    found = registry.get(api + "users/", params={"username": "admin"}, headers=admin)
    admin_id = found.json()["results"][0]["url"].rstrip("/").rsplit("/", 1)[-1]
    links = registry.get(api + "user_author/", params={"user": admin_id}).json()["results"]
    return str(links[0]["author"])


def test_a_job_folder_takes_three_fsyncs_two_files_and_one_folder(
    ana: tuple[InProcessDaemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """config.yaml and the script are each fsynced before their rename; the folder, once for both
    renames (two atomic writes took four: a folder fsync each). Each in a worker thread: an
    fsync on fdpd's event loop would hold up every other request meanwhile."""
    daemon, project = ana
    synced: list[str] = []
    on_loop: list[str] = []
    fsync = os.fsync

    def counted_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        if _event_loop_running():
            on_loop.append(synced[-1])
        fsync(fd)

    monkeypatch.setattr(os, "fsync", counted_fsync)
    job = run_true(daemon, project)

    folder = job["job_folder"]
    in_job = [path for path in synced if path == folder or path.startswith(folder + "/")]
    assert in_job.count(folder) == 1, synced
    files = sorted(Path(path).name.split(".")[1] for path in in_job if path != folder)
    assert files == ["config", "script"], synced  # their temporary names: .config.yaml.XXXX.part
    assert sorted(p.name for p in Path(folder).iterdir()) == ["config.yaml", "script.sh"]
    assert not [path for path in on_loop if path.startswith(folder)], on_loop


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_each_users_run_is_attributed_to_that_user_with_admins_id_kept(
    ana: tuple[InProcessDaemon, Path], tmp_path: Path
) -> None:
    """Users who take turns (`fdpctl config bob`, then `fdpctl config ana`) on one registry: each
    run is attributed to the active user, whose token asks for admin's id once."""
    daemon, project = ana
    run_true(daemon, project)
    ana_author = admin_author(daemon)
    store = str(tmp_path / "store")
    for name in ("bob", "ana"):
        body = {"username": name, "data_store": store, "new_data_store": str(tmp_path)}
        assert daemon.call("POST", "/v1/users", body).status_code == 200
        counted = Counted(daemon)
        counted.start()
        run_true(daemon, project)
        assert Counter(counted.seen)["GET users?username"] == (name == "bob"), counted.seen
    assert admin_author(daemon) == ana_author


def test_a_restarted_registry_is_asked_for_admins_id_again(
    ana: tuple[InProcessDaemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAULT INJECTION: the in-process registry never restarts, so its status is made to say it
    did (`restarts` counts the supervisor's restarts of a registry that died)."""
    daemon, project = ana
    run_true(daemon, project)
    restarted = {**daemon.local.status(), "restarts": 1}
    monkeypatch.setattr(daemon.local, "status", lambda: restarted)

    counted = Counted(daemon)
    counted.start()
    run_true(daemon, project)
    assert Counter(counted.seen)["GET users?username"] == 1, counted.seen
    counted.start()
    run_true(daemon, project)
    assert Counter(counted.seen)["GET users?username"] == 0, counted.seen


def test_the_registrys_file_roots_read_the_journals_users_once_until_one_changes(
    ana: tuple[InProcessDaemon, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """fdpd's supervisor lists the users' data stores for its registry (the web view's downloads)
    at each hold it takes, and a run takes three: the journal's users are read for it once, then
    again only after `fdpctl config` changed a user (the list is then the new one)."""
    daemon, project = ana
    reads: list[str] = []

    def counted_all_users(journal: Any) -> Any:
        reads.append("users")
        return all_users(journal)

    monkeypatch.setattr(lifecycle, "all_users", counted_all_users)
    supervisor = lifecycle.own_registry_supervisor(daemon.ctx)  # fdpd's; never started here
    roots = supervisor.file_roots_path

    for _ in range(2):
        taken = len(daemon.local.holds_taken)
        run_true(daemon, project)
        holds = daemon.local.holds_taken[taken:]
        assert len(holds) == 3, holds  # preparing, running, recording
        for _ in holds:  # what the supervisor does at each hold (`RegistrySupervisor.acquire`)
            supervisor.write_file_roots()
    assert reads == ["users"], reads
    assert roots.read_text() == f"{tmp_path / 'store'}\n"

    other = tmp_path / "bob-store"
    body = {"username": "bob", "data_store": str(other), "new_data_store": str(tmp_path)}
    assert daemon.call("POST", "/v1/users", body).status_code == 200
    supervisor.write_file_roots()
    supervisor.write_file_roots()
    assert reads == ["users", "users"], reads
    assert roots.read_text().splitlines() == sorted([str(other), str(tmp_path / "store")])
