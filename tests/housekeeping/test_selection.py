"""What gc and delete may remove (`selection.removable`, `blockers`) and what gc's plan selects
and keeps: unsynced items' closures, what a remote confirms or not, files, failed jobs' leftovers.

fdp's registry app runs in process twice, as the local registry and as remote `origin` (seeded
with the same runs, so record ids agree); gc's requests to the remote reach that app over
`httpx.ASGITransport`, through the daemon's own seam for it (`Services.remote_transport`).
The journal is a temp SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fdpd.base.errors import FdpError
from fdpd.base.paths import resolve_locations
from fdpd.base.settings import DaemonSettings
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.core.services import ActivityFeed
from fdpd.features.gc import gc
from fdpd.features.gc.ownership import own_records
from fdpd.features.gc.plan import RemovalPlan
from fdpd.features.gc.selection import blockers, removable
from fdpd.journal import Journal
from fdpd.journal.database import utc_now
from fdpd.journal.models import (
    ITEM_FAILED,
    ITEM_LOCAL,
    ITEM_PUSHED,
    JOB_RUNNING,
    FdpUser,
    Item,
    Job,
)
from fdpd.remote.user_remotes import Remote
from tests.housekeeping.inprocess import InProcessRegistry, Runs, add_runs, registry_in_process
from tests.sync.seed import add_product, write_local_file

REMOTE_BASE = "http://localhost:8001"
TRACKED = ("code_run", "data_product", "object", "object_component", "storage_location")

# --- selection -----------------------------------------------------------------------------


def test_what_nothing_else_refers_to_goes_whole(runs: Runs) -> None:
    owned = own_records(runs.inventory, runs.registry.path(runs.b))
    assert removable(runs.inventory, owned) == owned


def test_what_another_record_refers_to_stays_with_its_unit_and_what_it_refers_to(
    runs: Runs,
) -> None:
    run = runs.registry.path(runs.a)
    parts = runs.run_parts(runs.a)
    chosen = removable(runs.inventory, own_records(runs.inventory, run))
    # b read a's output: the output's object unit stays, with its file and the issue its
    # component carries; the run and its other objects go
    expected = {run}
    for role in ("model_config", "submission_script", "code_repo"):
        expected |= runs.object_with_file(parts[role])
    assert chosen == expected
    wanted = runs.inventory.unit(parts["output"])
    # the issue attached to the output is no dependent: it stays or goes with the component
    assert blockers(runs.inventory, wanted, chosen) == {runs.registry.path(runs.b)}


def test_a_kept_record_keeps_its_unit_and_what_it_refers_to(runs: Runs) -> None:
    run = runs.registry.path(runs.b)
    record = runs.inventory.nodes[run].record
    output = runs.inventory.object_of(record["outputs"][0])
    assert output is not None
    chosen = removable(runs.inventory, own_records(runs.inventory, run), keep=[output])
    assert chosen == {run} | runs.object_with_file(str(record["submission_script"]))


def test_shared_vocabulary_and_unknown_paths_are_never_chosen(runs: Runs) -> None:
    everything = set(runs.inventory.nodes)
    vocabulary = {
        key
        for key, node in runs.inventory.nodes.items()
        if node.type in ("namespace", "author", "file_type", "storage_root")
    }
    assert len(vocabulary) == 7
    chosen = removable(runs.inventory, everything | {"/api/code_run/99/"})
    assert chosen == everything - vocabulary


# --- gc's plan -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory, runs: Runs) -> Iterator[InProcessRegistry]:
    """Remote `origin` holding the same runs as the local registry (same ids, uuids, hashes),
    except the code repo's storage location: the seeder makes its hash up on each registry."""
    folder = tmp_path_factory.mktemp("origin")
    with registry_in_process(folder / "registry", REMOTE_BASE) as registry:
        add_runs(registry, folder / "store")
        for node in runs.inventory.of_type("code_run"):  # the registry made up new uuids
            answer = registry.seeder.http.patch(
                REMOTE_BASE + node.key, json={"uuid": node.record["uuid"]}
            )
            assert answer.status_code == 200, answer.text
        yield registry


@pytest.fixture
def site(tmp_path: Path, origin: InProcessRegistry) -> Iterator[DaemonContext]:
    journal = Journal.open(tmp_path / "journal.db")
    locations = resolve_locations({"FDP_HOME": str(tmp_path / "fdp")})
    token_file = tmp_path / "origin-token"
    token_file.write_text(origin.token + "\n")
    token_file.chmod(0o600)
    ctx = DaemonContext(locations, journal, DaemonSettings())
    ctx.services.remote_transport = httpx.ASGITransport(app=origin.app)
    yield ctx
    journal.close()


def _remote(tmp_path: Path) -> dict[str, Remote]:
    return {"origin": Remote("origin", REMOTE_BASE + "/api/", tmp_path / "origin-token")}


def _add_user(ctx: DaemonContext, store: Path) -> None:
    with ctx.journal.session() as session:
        session.add(
            FdpUser(
                username="ada",
                full_name="Ada",
                namespace="PSU",
                data_store=f"{store}/",
                token_file=str(store / "token"),
                author_url="/api/author/1/",
                author_uuid="0",
                configured=utc_now(),
            )
        )


def _track(ctx: DaemonContext, runs: Runs, records: set[str], state: str, remote: bool) -> None:
    with ctx.journal.session() as session:
        for path in records:
            kind = runs.inventory.nodes[path].type
            if kind not in TRACKED:
                continue
            url = REMOTE_BASE + path if remote else None
            session.add(
                Item(
                    path=path,
                    type=kind,
                    state=state,
                    remote="origin" if remote else None,
                    remote_url=url,
                )
            )


def _plan(ctx: DaemonContext, runs: Runs, tmp_path: Path, *, files: bool) -> RemovalPlan:
    operation = ctx.journal.start_operation("gc", {})
    assert operation.id is not None
    emitter = Emitter(ctx.journal, ActivityFeed(), operation.id, "gc")
    items = gc.tracked_items(ctx.journal)
    return asyncio.run(
        gc._plan(ctx, runs.inventory, items, _remote(tmp_path), None, files, False, emitter)
    )


def _records(runs: Runs, paths: set[str]) -> dict[str, str]:
    return {path: runs.inventory.nodes[path].type for path in sorted(paths)}


def test_untracked_records_are_not_candidates(
    site: DaemonContext, runs: Runs, tmp_path: Path
) -> None:
    plan = _plan(site, runs, tmp_path, files=True)
    assert plan.records == {}
    assert plan.files == []
    assert plan.kept == []


def test_a_pushed_run_goes_except_what_a_local_run_needs_and_the_remote_does_not_hold(
    site: DaemonContext, runs: Runs, tmp_path: Path
) -> None:
    a = runs.registry.path(runs.a)
    b = runs.registry.path(runs.b)
    _track(site, runs, own_records(runs.inventory, a) | {a}, ITEM_PUSHED, remote=True)
    _track(site, runs, {b}, ITEM_LOCAL, remote=False)
    _add_user(site, runs.store)
    plan = _plan(site, runs, tmp_path, files=True)
    parts = runs.run_parts(runs.a)
    repo_location = str(runs.inventory.nodes[parts["code_repo"]].record["storage_location"])
    gone = {a}
    for role in ("model_config", "submission_script", "code_repo"):
        gone |= runs.object_with_file(parts[role])
    # a's output is in local b's closure: it stays, with its file; the repo's location stays
    # (origin holds another hash), while the repo object referring to it goes
    assert plan.records == _records(runs, gone - {repo_location})
    assert {f.path.name for f in plan.files} == {"config.yaml", "script.sh"}
    assert all(f.location in gone for f in plan.files)
    assert plan.kept == [
        {
            "item": "file FAIRDataPipeline/model.git",
            "reason": f"remote origin holds a different hash at {repo_location}",
        }
    ]
    assert plan.remote_requests["origin"]["GET"] > 0


def test_what_the_remote_does_not_confirm_stays_with_what_it_needs(
    site: DaemonContext, runs: Runs, origin: InProcessRegistry, tmp_path: Path
) -> None:
    b = runs.registry.path(runs.b)
    owned = own_records(runs.inventory, b)
    _track(site, runs, owned, ITEM_PUSHED, remote=True)
    # remote origin holds another run at b's remote URL
    uuid = "0e4e3d5c-0000-4000-8000-000000000000"
    answer = origin.seeder.http.patch(REMOTE_BASE + b, json={"uuid": uuid})
    assert answer.status_code == 200, answer.text
    try:
        plan = _plan(site, runs, tmp_path, files=True)
    finally:
        origin.seeder.http.patch(REMOTE_BASE + b, json={"uuid": runs.b["uuid"]})
    # b stays, so everything it refers to stays: nothing is removed
    assert plan.records == {}
    assert plan.kept == [
        {
            "item": f"code run {runs.b['uuid']}",
            "reason": f"remote origin holds a different uuid at {b}",
        }
    ]


def test_without_files_the_locations_naming_files_stay(
    site: DaemonContext, runs: Runs, tmp_path: Path
) -> None:
    b = runs.registry.path(runs.b)
    owned = own_records(runs.inventory, b)
    _track(site, runs, {b}, ITEM_FAILED, remote=False)
    _add_user(site, runs.store)
    plan = _plan(site, runs, tmp_path, files=False)
    locations = {p for p in owned if p.startswith("/api/storage_location/")}
    assert len(locations) == 2
    assert plan.records == _records(runs, owned - locations)
    assert plan.files == []
    assert plan.untracked_kept == sorted(locations)
    sizes = sum(
        (runs.store / p).stat().st_size for p in ("jobs/b/script.sh", "PSU/b/output/0.1.0.csv")
    )
    assert plan.kept == [
        {
            "item": f"2 files ({sizes} bytes)",
            "reason": "kept with the storage locations naming them (`gc --files` removes both)",
        }
    ]


def test_a_failed_jobs_leftovers_go_with_their_files(
    site: DaemonContext, runs: Runs, tmp_path: Path
) -> None:
    b = runs.registry.path(runs.b)
    _track(site, runs, {b}, ITEM_FAILED, remote=False)
    _add_user(site, runs.store)
    plan = _plan(site, runs, tmp_path, files=True)
    assert plan.records == _records(runs, own_records(runs.inventory, b))
    assert sorted(f.path for f in plan.files) == [
        runs.store / "PSU/b/output/0.1.0.csv",
        runs.store / "jobs/b/script.sh",
    ]
    assert plan.versions == []


def test_a_file_another_staying_location_names_is_not_deleted(
    site: DaemonContext, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    content = b"x,y\n1,2\n"
    relative = write_local_file(store, "PSU/shared/0.1.0.csv", content)
    with registry_in_process(tmp_path / "registry") as registry:
        for name, sha1 in (("first", None), ("second", "0" * 40)):
            add_product(
                registry.seeder,
                namespace="PSU",
                name=name,
                version="0.1.0",
                content=content,
                root=f"file://{store}/",
                path=relative,
                recorded_sha1=sha1,
            )
        shared = Runs(registry, registry.inventory(), store, {}, {}, "")
    first = shared.product_of("/api/object/1/")
    owned = own_records(shared.inventory, first)
    _track(site, shared, owned, ITEM_FAILED, remote=False)
    _add_user(site, store)
    plan = _plan(site, shared, tmp_path, files=True)
    # the first product's records go; its file stays, named by the second's location
    assert plan.records == _records(shared, owned)
    assert "/api/storage_location/1/" in plan.records
    assert plan.files == []
    assert (store / relative).is_file()


def test_gc_refuses_while_a_job_runs(site: DaemonContext) -> None:
    with site.journal.session() as session:
        session.add(
            Job(
                id="20240101-120000-abcd",
                username="ada",
                folder="/tmp/none",
                config_file="config.yaml",
                cwd="/tmp",
                working_config="/tmp/none/config.yaml",
                state=JOB_RUNNING,
                started=utc_now(),
            )
        )
    with pytest.raises(FdpError) as refused:
        gc._refuse_while_jobs_run(site)
    assert refused.value.message == (
        "job 20240101-120000-abcd is running; it may need records gc would remove"
    )
    assert refused.value.hint == "run gc when no job is running (`fdpctl log` lists jobs)"
