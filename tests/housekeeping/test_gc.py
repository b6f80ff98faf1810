"""`fdpctl gc` in process: fdpctl's own code, the daemon app and its local registry in process
(tests/push/in_process.py), real pyDataPipeline runs (model processes started by fdpd's job
runner), a shared remote registry app whose folder data store we can take files away from, or
make unreachable. gc with the real fdpctl, fdpd and registry processes:
tests/supervisor/test_reference_as_local.py, tests/run/test_refused_and_concurrent.py."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fdpd.remote import client
from tests.housekeeping.conftest import (
    check_journal_matches_registry,
    files_in,
    job_row,
    journal_rows,
    products,
    read_config,
    registry_paths,
    remote_file,
    seed_products,
)
from tests.push.in_process import Remote, Site, fdp_site, remote_registry, write_config
from tests.run.conftest import make_project

PUBLIC, PRIVATE, LOST = b"station,flow\na,1\n", b"secret,1\n", b"lost,2\n"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    with remote_registry(tmp_path_factory.mktemp("gc-remote")) as shared:
        yield shared


@contextlib.contextmanager
def unreachable(site: Site, remote: Remote) -> Iterator[None]:
    """Nothing answers at the remote's address for `site` until the block ends (as a registry
    process that was stopped, then started again on its data)."""
    address = httpx.URL(remote.registry.base_url).netloc.decode()
    transport = site.daemon.router.apps.pop(address)
    try:
        yield
    finally:
        site.daemon.router.apps[address] = transport


def gc(site: Site, *args: str) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    status, final, events = site.stream_result("gc", *args)
    return status, final.get("result") or final.get("error") or {}, events


def test_gc_removes_what_the_remote_confirms_and_keeps_what_unsynced_work_needs(
    remote: Remote,
) -> None:
    seeded = {"gc/public": (PUBLIC, False), "gc/private": (PRIVATE, True), "gc/lost": (LOST, False)}
    sha1 = {name[3:]: sha1 for name, sha1 in seed_products(remote, "bob", seeded).items()}
    with fdp_site("ana") as ana:
        ana.add_remote(remote)
        # committed, as with real processes (git is a process: this test stays marked one):
        # outside git a run's code repository has its script's SHA-1 as hash, and a later
        # run's script, found by that hash, names the code repository's storage location
        project = make_project(
            ana.root / "model",
            {
                "pull.yaml": read_config("gc/public", "gc/private", "gc/lost"),
                "first.yaml": write_config("gc/first"),
                "failed.yaml": write_config("gc/failed"),
                "second.yaml": read_config("gc/first", namespace="ana", writes="gc/second"),
            },
        )
        ana.ok("pull", "pull.yaml", cwd=project)
        first = ana.run_model(project, "first.yaml", MODEL_WRITES="gc/first")
        assert first["exit_status"] == 0, first["output"]
        ana.ok("commit", first["id"])
        ana.ok("push")
        # An unsynced run reads what the pushed run wrote: gc must keep that, and its file.
        second = ana.run_model(
            project, "second.yaml", MODEL_READS="gc/first", MODEL_WRITES="gc/second"
        )
        assert second["exit_status"] == 0, second["output"]
        # A failed run's leftovers were never synced; gc removes them (the run spec's promise).
        failed = ana.run_model(project, "failed.yaml", MODEL_WRITES="gc/failed", MODEL_FAIL="3")
        assert failed["exit_status"] != 0
        [failed_run] = ana.job_runs(failed["id"])
        remote_file(remote, sha1["lost"]).unlink()  # the remote loses one file
        files_before, records_before = files_in(ana.store), registry_paths(ana)
        counts_before = ana.status_counts()

        status, planned, _ = gc(ana, "--files", "--dry-run")

        assert status == 0, planned
        assert planned["dry_run"] is True
        assert files_in(ana.store) == files_before and registry_paths(ana) == records_before
        assert ana.status_counts() == counts_before

        shown = ana.ok("gc", "--files", "--dry-run")
        assert planned["records"] > 1
        assert f"would remove {planned['records']} records" in shown
        assert "kept " in shown and "dry run: nothing was removed" in shown

        status, removed, events = gc(ana, "--files")

        assert status == 0, removed
        assert {e["type"] for e in events} >= {"progress", "result"}
        same = (
            "records",
            "records_by_kind",
            "files",
            "bytes_freed",
            "file_list",
            "kept",
            "job_folders",
        )
        assert {k: removed[k] for k in same} == {k: planned[k] for k in same}
        # Budget: ~25 candidate records and 2 files asked about (21 GETs measured): components
        # come in one query per object, product versions in one per name.
        assert sum(removed["remote_requests"]["origin"].values()) <= 25, removed
        assert products(ana) == {
            "gc/first@0.0.1",  # read by the unsynced second run
            "gc/second@0.0.1",  # unsynced
            "gc/private@1.0.0",  # restricted file: kept without --all, with its records
            "gc/lost@1.0.0",  # the remote no longer serves its file
        }
        assert removed["records_by_kind"]["data_product"] == 1  # gc/public
        assert removed["records_by_kind"]["code_run"] == 2  # the pushed first run, the failed one
        assert not ana.local("code_run", uuid=failed_run)
        assert not ana.status_counts()["failed"], ana.status_counts()
        left = files_in(ana.store)
        assert sha1["public"] not in left
        assert sha1["private"] in left and sha1["lost"] in left
        # The first run's script and code repository are the second run's too (same content,
        # one storage location): they stay. Its working config and the public input go.
        deleted = {str(Path(f["file"]).relative_to(ana.store)) for f in removed["file_list"]}
        assert deleted == {
            "bob/gc/public/1.0.0.csv",
            f"jobs/{first['id']}/config.yaml",
            f"jobs/{failed['id']}/config.yaml",
        }
        assert removed["bytes_freed"] == sum(f["size"] for f in removed["file_list"]) > 0
        kept = " ".join(f"{k['item']}: {k['reason']}" for k in removed["kept"])
        assert "no longer serves the file" in kept and "restricted accessibility" in kept
        assert not ana.local("code_run", uuid=ana.job_runs(first["id"])[0])
        assert ana.local("code_run", uuid=ana.job_runs(second["id"])[0])
        # The failed job's code run is gone, and so is its folder; the first job's folder
        # holds the script the second run uses too, so it stays.
        assert removed["job_folders"] == [failed["folder"]]
        assert not Path(failed["folder"]).exists() and Path(first["folder"]).is_dir()
        assert "deleted" in job_row(ana.ok("log"), failed["id"])
        check_journal_matches_registry(ana)
        reasons = journal_rows(ana, "SELECT DISTINCT reason, state FROM removal")
        assert set(reasons) == {("gc", "pushed"), ("gc", "pulled"), ("gc", "failed"), ("gc", None)}

        status, everything, _ = gc(ana, "--files", "--all")

        assert status == 0, everything
        assert "gc/private@1.0.0" not in products(ana)
        assert sha1["private"] not in files_in(ana.store)
        assert sha1["lost"] in files_in(ana.store)

        status, again, _ = gc(ana, "--files", "--all")

        assert status == 0 and again["records"] == 0 and again["files"] == 0, again
        check_journal_matches_registry(ana)


def test_gc_with_the_remote_down_removes_nothing_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every attempt is made, without the pauses between them (nothing answers at once)
    monkeypatch.setattr(client, "RETRY_DELAYS", (0.0,) * len(client.RETRY_DELAYS))
    with remote_registry(tmp_path) as remote, fdp_site("ana") as ana:
        seed_products(remote, "bob", {"down/product": (PUBLIC, False)})
        ana.add_remote(remote)
        (ana.root / "pull.yaml").write_text(read_config("down/product"))
        ana.ok("pull", str(ana.root / "pull.yaml"))
        records, files = registry_paths(ana), files_in(ana.store)

        with unreachable(ana, remote):
            status, error, _ = gc(ana, "--files")

        assert status == 1
        assert "removed nothing" in error["message"] and "cannot reach" in error["message"]
        assert registry_paths(ana) == records and files_in(ana.store) == files
        assert ana.status_counts()["pulled"]["data_product"] == 1

        status, result, _ = gc(ana, "--files")
        assert status == 0 and result["records_by_kind"]["data_product"] == 1, result
        assert files_in(ana.store) == {}
