"""Which job folders go with the code runs `delete` and `gc` remove (`jobs_left_without_runs`):
those of ended jobs none of whose code runs stays, unless a staying storage location names a
file in the folder. fdp's registry app in process; the journal is a temp SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fdpd.features.gc.jobs_without_runs import jobs_left_without_runs, remove_job_folders
from fdpd.features.gc.ownership import own_records
from fdpd.journal import Journal
from fdpd.journal.models import Job
from tests.housekeeping.inprocess import Runs


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    journal = Journal.open(tmp_path / "journal.db")
    yield journal
    journal.close()


def _add_job(journal: Journal, job_id: str, folder: Path, runs: list[str], state: str) -> None:
    with journal.session() as session:
        session.add(
            Job(
                id=job_id,
                username="ana",
                folder=str(folder),
                config_file="config.yaml",
                state=state,
                started="2026-01-01T00:00:00Z",
                cwd="/",
                working_config="",
                code_runs=runs,
            )
        )


def _ids(jobs: list[Job]) -> list[str]:
    return [job.id for job in jobs]


def test_a_job_goes_with_the_last_of_its_code_runs(
    runs: Runs, journal: Journal, tmp_path: Path
) -> None:
    a, b = str(runs.a["uuid"]), str(runs.b["uuid"])
    _add_job(journal, "a", runs.store / "jobs" / "a", [a], "succeeded")
    _add_job(journal, "ab", tmp_path / "jobs" / "ab", [a, b], "succeeded")
    _add_job(journal, "running", tmp_path / "jobs" / "running", [a], "running")
    _add_job(journal, "no-run", tmp_path / "jobs" / "no-run", [], "failed")
    run_a = runs.registry.path(runs.a)
    owned = own_records(runs.inventory, run_a)

    assert _ids(jobs_left_without_runs(journal, runs.inventory, set())) == []
    # a's records go: job a (its only run) goes; job ab keeps run b; a running job stays, and
    # a job that never recorded a run is not one whose runs are gone
    assert _ids(jobs_left_without_runs(journal, runs.inventory, owned)) == ["a"]
    both = owned | own_records(runs.inventory, runs.registry.path(runs.b))
    assert _ids(jobs_left_without_runs(journal, runs.inventory, both)) == ["a", "ab"]


def test_a_folder_holding_a_file_a_staying_location_names_stays(
    runs: Runs, journal: Journal
) -> None:
    """gc without --files removes a run's records but keeps its files and their locations: the
    job folder holding the run's working config stays, so a later `gc --files` finds it."""
    _add_job(journal, "a", runs.store / "jobs" / "a", [str(runs.a["uuid"])], "succeeded")
    run_a = runs.registry.path(runs.a)
    config = str(
        runs.inventory.nodes[runs.run_parts(runs.a)["model_config"]].record["storage_location"]
    )
    without_config = own_records(runs.inventory, run_a) - {config}

    assert jobs_left_without_runs(journal, runs.inventory, without_config) == []


def test_removing_a_jobs_folder_marks_it_deleted(journal: Journal, tmp_path: Path) -> None:
    store = tmp_path / "store"
    folder = store / "jobs" / "j1"
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text("run_metadata: {}\n")
    _add_job(journal, "j1", folder, ["u"], "succeeded")
    with journal.session() as session:
        job = session.get(Job, "j1")
    assert job is not None

    assert remove_job_folders(journal, [job], [store]) == []

    assert not folder.exists()
    with journal.session() as session:
        stored = session.get(Job, "j1")
        assert stored is not None and stored.state == "deleted"
