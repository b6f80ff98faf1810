"""The journal's item table as the sync engine's ledger (a real journal file, no daemon)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import select

from fdpd.journal import Journal
from fdpd.journal.jobs import NewItem, record_items
from fdpd.journal.models import Item, Job
from fdpd.shared.journal_ledger import JournalSyncLedger


def _job(journal: Journal) -> None:
    with journal.session() as session:
        fields = {"username": "ana", "folder": "/s/jobs/j1", "config_file": "c.yaml"}
        more = {"state": "succeeded", "started": "now", "cwd": "/p", "working_config": ""}
        session.add(Job.model_validate({"id": "j1", **fields, **more}))
        session.commit()


async def _push_links(journal: Journal) -> None:
    push = await JournalSyncLedger.open(journal, "origin", "push")
    assert push.remote_url_for("http://127.0.0.1:8000/api/code_run/3/") is None
    push.record_link("/api/author/1/", "https://remote.example/api/author/9/")
    push.mark_pushed("/api/code_run/3/", "https://remote.example/api/code_run/40/")
    await push.flush()


async def _pull_links(journal: Journal) -> None:
    ledger = await JournalSyncLedger.open(journal, "origin", "pull")
    assert ledger.remote_url_for("/api/code_run/3/") == "https://remote.example/api/code_run/40/"
    # remote records are matched by path, whatever host spells them
    assert ledger.local_path_for("http://other-host/api/author/9/") == "/api/author/1/"
    elsewhere = await JournalSyncLedger.open(journal, "elsewhere", "pull")
    assert elsewhere.remote_url_for("/api/code_run/3/") is None
    ledger.mark_pulled("/api/data_product/7/", "https://remote.example/api/data_product/2/")
    await ledger.flush()


def test_links_survive_reopening_and_keep_job_items(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    journal = Journal.open(path)
    _job(journal)
    record_items(journal, "j1", [NewItem("/api/code_run/3/", "code_run", "u-3")], "local")
    asyncio.run(_push_links(journal))
    journal.close()

    reopened = Journal.open(path)
    asyncio.run(_pull_links(reopened))
    with reopened.session() as session:
        run = session.get(Item, "/api/code_run/3/")
        author = session.get(Item, "/api/author/1/")
        pulled = session.get(Item, "/api/data_product/7/")
    assert run is not None and (run.state, run.job_id, run.uuid) == ("pushed", "j1", "u-3")
    assert run.synced is not None
    assert author is not None and (author.type, author.state) == ("author", "pushed")
    assert pulled is not None and (pulled.state, pulled.job_id) == ("pulled", None)
    reopened.close()


def test_nothing_reaches_the_journal_before_a_flush(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.db")

    async def link_without_flush() -> None:
        ledger = await JournalSyncLedger.open(journal, "origin", "push")
        ledger.record_link("/api/author/1/", "https://remote.example/api/author/9/")
        assert ledger.remote_url_for("/api/author/1/") == "https://remote.example/api/author/9/"

    asyncio.run(link_without_flush())
    with journal.session() as session:
        assert session.get(Item, "/api/author/1/") is None
    journal.close()


async def _pull_side_by_side(journal: Journal, rounds: int) -> None:
    for number in range(rounds):
        paths = [f"/api/data_product/{number * 10 + k}/" for k in range(1, 6)]
        ledgers = [await JournalSyncLedger.open(journal, "origin", "pull") for _ in range(2)]
        for ledger in ledgers:
            for path in paths:
                ledger.mark_pulled(path, f"https://remote.example{path}")
        await asyncio.gather(*(ledger.flush() for ledger in ledgers))


def test_two_pulls_recording_the_same_items_at_once_both_succeed(tmp_path: Path) -> None:
    """Two pulls of one config (tests/pull/test_concurrent_pulls.py) write the same new items
    from two threads: each looks them up, then inserts; the later insert must not fail."""
    journal = Journal.open(tmp_path / "journal.db")
    asyncio.run(_pull_side_by_side(journal, 60))
    with journal.session() as session:
        states = {item.path: item.state for item in session.exec(select(Item)).all()}
    assert len(states) == 60 * 5 and set(states.values()) == {"pulled"}
    journal.close()
