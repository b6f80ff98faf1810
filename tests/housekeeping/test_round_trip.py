"""What gc removed can come back (issue 12, item 3), in process: fdpctl's own code, the daemon
app and its local registry in process (tests/push/in_process.py), a real pyDataPipeline model
(started by fdpd's job runner), and a shared remote registry app with a folder data store.

Each site pulls a `register:` item, runs a model that reads it, commits and pushes, then gcs
(with or without `--files`) and does the very same pull, run, commit and push again: every step
works, nothing is made twice locally or remotely, and every file fdp wrote stays named by a
record. `update` to a version whose file a local one already holds writes no second copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.housekeeping.conftest import (
    files_in,
    journal_rows,
    read_config,
    seed_products,
    unreferenced_files,
)
from tests.push.in_process import ACCEPT, Remote, Site, fdp_site, remote_registry

INPUT = b"station,flow\na,1\n"
CONFIG = """\
run_metadata:
  description: round trip
  script: python3 model.py
register:
  - data_product: rt/input
    root: {root}
    path: input.csv
    file_type: csv
    version: "${{{{PATCH}}}}"
write:
  - data_product: rt/output
    description: output
    file_type: csv
"""
RECORD_TYPES = ("object", "object_component", "storage_location", "data_product", "code_run")


@dataclass
class Cycle:
    """One pull, run, commit and push, as fdpctl answered."""

    pull: dict[str, Any]
    job: dict[str, Any]
    push_status: int
    push: dict[str, Any]

    def pulled(self, item: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = [i for i in self.pull["items"] if i["item"] == item]
        assert len(found) == 1, self.pull["items"]
        return found[0]

    def pushed(self) -> dict[str, str]:
        return {i["item"]: i["status"] for i in self.push["items"]}


@dataclass
class RoundTrip:
    site: Site
    remote: Remote
    first: Cycle
    gc: dict[str, Any]
    second: Cycle
    before_gc: dict[str, Path] = field(default_factory=dict)  # SHA-1 → file
    after_gc: dict[str, Path] = field(default_factory=dict)
    after_first: dict[str, set[str]] = field(default_factory=dict)  # remote records by type
    after_second: dict[str, set[str]] = field(default_factory=dict)
    unreferenced_after_gc: set[Path] = field(default_factory=set)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    with remote_registry(tmp_path_factory.mktemp("round-trip-remote")) as shared:
        yield shared


def remote_records(remote: Remote) -> dict[str, set[str]]:
    return {kind: {r["url"] for r in remote.records(kind)} for kind in RECORD_TYPES}


def cycle(site: Site, project: Path) -> Cycle:
    status, final, _ = site.stream_result("pull", str(project / "config.yaml"))
    assert status == 0, final
    job = site.run_model(project, "config.yaml", MODEL_READS="rt/input", MODEL_WRITES="rt/output")
    assert job["exit_status"] == 0, job["output"]
    site.ok("commit", job["id"])
    push_status, pushed, _ = site.stream_result("push")
    return Cycle(final["result"], job, push_status, pushed.get("result") or pushed)


def round_trip(site: Site, remote: Remote, *gc_args: str) -> RoundTrip:
    """Pull, run, commit, push; `gc *gc_args`; the same again."""
    site.add_remote(remote)
    source = site.root / "sources" / "input.csv"
    source.parent.mkdir()
    source.write_bytes(INPUT + site.user.encode())  # each site's own: one remote location each
    project = site.project(
        "model", {"config.yaml": CONFIG.format(root=source.parent.as_uri() + "/")}
    )
    first = cycle(site, project)
    assert first.push_status == 0, first.push
    after_first, before_gc = remote_records(remote), files_in(site.store)
    status, final, _ = site.stream_result("gc", *gc_args)
    assert status == 0, final
    after_gc, unreferenced = files_in(site.store), unreferenced_files(site)
    second = cycle(site, project)
    return RoundTrip(
        site,
        remote,
        first,
        final["result"],
        second,
        before_gc,
        after_gc,
        after_first,
        remote_records(remote),
        unreferenced,
    )


@pytest.fixture(scope="module")
def after_gc_files(remote: Remote) -> Iterator[RoundTrip]:
    with fdp_site("ana") as ana:
        yield round_trip(ana, remote, "--files")


@pytest.fixture(scope="module")
def after_gc(remote: Remote) -> Iterator[RoundTrip]:
    with fdp_site("cara") as cara:
        yield round_trip(cara, remote)


def get(remote: Remote, url: str) -> dict[str, Any]:
    """A record of the remote by its URL."""
    with remote.registry.http(accept=ACCEPT) as http:
        answer = http.get(url)
    assert answer.status_code == 200, answer.text
    record: dict[str, Any] = answer.json()
    return record


def products_of(remote: Remote, namespace: str) -> list[str]:
    [found] = remote.records("namespace", name=namespace)
    rows = remote.records("data_product", namespace=found["url"].rstrip("/").rsplit("/", 1)[1])
    return [f"{p['name']}@{p['version']}" for p in rows]


def one_object_per_input_file(remote: Remote, namespace: str) -> bool:
    """The registered input is one object on the remote, and no other names its file."""
    [found] = remote.records("namespace", name=namespace)
    namespace_id = found["url"].rstrip("/").rsplit("/", 1)[1]
    [product] = remote.records("data_product", name="rt/input", namespace=namespace_id)
    location = get(remote, product["object"])["storage_location"]
    return [o["url"] for o in remote.records("object") if o["storage_location"] == location] == [
        product["object"]
    ]


def test_pull_after_gc_files_brings_the_registered_item_back_as_the_remote_holds_it(
    after_gc_files: RoundTrip,
) -> None:
    trip = after_gc_files
    assert trip.gc["records_by_kind"]["data_product"] == 2, trip.gc
    again = trip.second.pulled("ana:rt/input@0.0.1")
    first_url = trip.first.pulled("ana:rt/input@0.0.1")["local_url"]
    [remote_product] = trip.remote.records("data_product", name="rt/input")

    assert again["status"] == "registered", again
    assert again["remote_url"] == remote_product["url"]
    [local_product] = trip.site.local("data_product", name="rt/input")
    assert local_product["url"] != first_url  # gc removed the first one
    local_object = trip.site.record(local_product["object"])
    assert local_object["uuid"] == get(trip.remote, remote_product["object"])["uuid"]


def test_run_after_gc_files_writes_a_version_no_remote_has(after_gc_files: RoundTrip) -> None:
    trip = after_gc_files
    versions = [p["version"] for p in trip.site.local("data_product", name="rt/output")]
    assert versions == ["0.0.2"]  # the remote has 0.0.1, which gc removed here
    project = trip.site.root / "model"
    explicit = (project / "config.yaml").read_text() + '    version: "0.0.1"\n'
    (project / "explicit.yaml").write_text(explicit)

    refused = trip.site.fdpctl("generate", "explicit.yaml", cwd=project)

    assert refused.returncode == 1, refused.stdout
    assert "`ana:rt/output@0.0.1` exists on remote origin" in refused.stderr, refused.stderr


def test_push_after_gc_files_succeeds_and_creates_nothing_twice(after_gc_files: RoundTrip) -> None:
    trip = after_gc_files
    assert trip.second.push_status == 0, trip.second.push
    assert set(trip.second.pushed().values()) == {"pushed"}, trip.second.pushed()
    assert sorted(products_of(trip.remote, "ana")) == [
        "rt/input@0.0.1",
        "rt/output@0.0.1",
        "rt/output@0.0.2",
    ]
    new = {kind: trip.after_second[kind] - trip.after_first[kind] for kind in RECORD_TYPES}
    [run_url] = new["code_run"]
    run = get(trip.remote, run_url)
    made_by_run = {run[f] for f in ("model_config", "submission_script", "code_repo") if run[f]}
    made_by_run |= {get(trip.remote, component)["object"] for component in run["outputs"]}
    assert new["object"] == made_by_run  # the input's object was not made again
    assert one_object_per_input_file(trip.remote, "ana")
    assert not trip.unreferenced_after_gc and not unreferenced_files(trip.site)
    [pushed_op] = journal_rows(
        trip.site, "SELECT outcome FROM operation WHERE verb = 'push' ORDER BY id DESC LIMIT 1"
    )
    assert pushed_op == ("succeeded",)


def test_gc_without_files_keeps_each_file_named_by_its_storage_location(
    after_gc: RoundTrip,
) -> None:
    trip = after_gc
    assert trip.gc["records_by_kind"]["data_product"] == 2, trip.gc
    assert trip.gc["files"] == 0 and trip.after_gc == trip.before_gc
    assert not trip.unreferenced_after_gc  # a later gc --files can still find every file
    kept = " ".join(f"{k['item']}: {k['reason']}" for k in trip.gc["kept"])
    assert "gc --files" in kept, kept


def test_the_same_cycle_after_gc_reuses_the_kept_files(after_gc: RoundTrip) -> None:
    trip = after_gc
    again = trip.second.pulled("cara:rt/input@0.0.1")
    assert again["status"] == "registered" and again["remote_url"], again
    assert trip.second.push_status == 0, trip.second.push
    assert set(trip.second.pushed().values()) == {"pushed"}, trip.second.pushed()
    assert "cara:rt/output@0.0.2" in trip.second.pushed()
    # One file per content, each named by a record: nothing was written twice.
    data = [p for p in files_in(trip.site.store).values() if "jobs" not in p.parts]
    assert len(data) == 2, data  # the input and the (identical) output
    assert not unreferenced_files(trip.site)
    assert sorted(products_of(trip.remote, "cara")) == [
        "rt/input@0.0.1",
        "rt/output@0.0.1",
        "rt/output@0.0.2",
    ]
    assert one_object_per_input_file(trip.remote, "cara")


def test_a_later_gc_files_deletes_the_files_the_first_gc_kept(after_gc: RoundTrip) -> None:
    trip = after_gc
    kept = {p for p in trip.before_gc.values() if "jobs" not in p.parts}
    status, final, _ = trip.site.stream_result("gc", "--files")

    assert status == 0, final
    assert kept and not any(path.exists() for path in kept), kept
    assert not [p for p in files_in(trip.site.store).values() if "jobs" not in p.parts]
    assert not unreferenced_files(trip.site)


def test_update_to_a_version_with_the_same_file_writes_no_second_copy(tmp_path: Path) -> None:
    with remote_registry(tmp_path) as remote, fdp_site("dan") as dan:
        seed_products(remote, "bob", {"up/same": (INPUT, False)})
        dan.add_remote(remote)
        (dan.root / "pull.yaml").write_text(read_config("up/same"))
        dan.ok("pull", str(dan.root / "pull.yaml"))
        files = files_in(dan.store)
        seed_same_file_version(remote, "up/same", "1.0.0", "1.1.0")

        status, final, _ = dan.stream_result("update")

        assert status == 0, final
        assert sorted(p["version"] for p in dan.local("data_product", name="up/same")) == [
            "1.0.0",
            "1.1.0",
        ]
        assert files_in(dan.store) == files  # no 1.1.0.csv beside 1.0.0.csv
        assert not unreferenced_files(dan)


def seed_same_file_version(remote: Remote, name: str, version: str, new: str) -> None:
    """bob adds version `new` of `name`, an object of its own naming the same file."""
    [product] = remote.records("data_product", name=name, version=version)
    old = get(remote, product["object"])
    token = remote.tokens["bob"].read_text().strip()
    body = {k: old[k] for k in ("storage_location", "file_type", "authors")}
    with remote.registry.http(token) as http:
        obj = http.post(f"{remote.api}object/", json={**body, "description": new})
        assert obj.status_code == 201, obj.text
        made = http.post(
            f"{remote.api}data_product/",
            json={
                **{k: product[k] for k in ("namespace", "name")},
                "version": new,
                "object": obj.json()["url"],
            },
        )
    assert made.status_code == 201, made.text
