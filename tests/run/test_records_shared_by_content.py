"""A record two jobs share by content (the language APIs find a storage location by its hash, so
every run of `python3 model.py` uses the same one for its script) belongs to the job that made it
whole: a failed job that used it too does not make it failed, so the succeeded job's commit is not
refused, whichever job's bookkeeping comes last (SLURM array tasks end in any order). The journal
in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdpd.journal import Journal
from fdpd.journal.jobs import NewItem, record_items
from fdpd.journal.models import Item, Job

SCRIPT = NewItem("/api/storage_location/1/", "storage_location", None)


def _journal(tmp_path: Path, *jobs: tuple[str, str]) -> Journal:
    journal = Journal.open(tmp_path / "journal.db")
    with journal.session() as session:
        for job_id, state in jobs:
            fields = {"username": "ana", "folder": f"/s/jobs/{job_id}", "config_file": "c.yaml"}
            more = {"state": state, "started": "now", "cwd": "/p", "working_config": ""}
            session.add(Job.model_validate({"id": job_id, **fields, **more}))
    return journal


def _set_state(journal: Journal, state: str) -> None:
    with journal.session() as session:
        item = session.get(Item, SCRIPT.path)
        assert item is not None
        item.state = state
        session.add(item)


def _script(journal: Journal) -> tuple[str, str | None]:
    with journal.session() as session:
        item = session.get(Item, SCRIPT.path)
        assert item is not None
        return item.state, item.job_id


@pytest.mark.parametrize("first_state", ["local", "committed", "pushed", "pulled"])
def test_a_failed_job_does_not_take_a_record_another_job_made_whole(
    tmp_path: Path, first_state: str
) -> None:
    journal = _journal(tmp_path, ("good", "succeeded"), ("bad", "failed"))
    record_items(journal, "good", [SCRIPT], "local")
    _set_state(journal, first_state)

    record_items(journal, "bad", [SCRIPT], "failed")

    assert _script(journal) == (first_state, "good")
    journal.close()


def test_a_succeeded_job_makes_whole_a_record_a_failed_job_made_first(tmp_path: Path) -> None:
    journal = _journal(tmp_path, ("bad", "failed"), ("good", "succeeded"))
    record_items(journal, "bad", [SCRIPT], "failed")
    assert _script(journal) == ("failed", "bad")

    record_items(journal, "good", [SCRIPT], "local")

    assert _script(journal) == ("local", "good")
    journal.close()


@pytest.mark.parametrize("settled", ["committed", "pushed", "pulled"])
def test_a_later_job_takes_back_no_record_committed_pushed_or_pulled(
    tmp_path: Path, settled: str
) -> None:
    journal = _journal(tmp_path, ("first", "succeeded"), ("later", "succeeded"))
    record_items(journal, "first", [SCRIPT], "local")
    _set_state(journal, settled)

    record_items(journal, "later", [SCRIPT], "local")

    assert _script(journal) == (settled, "first")
    journal.close()
