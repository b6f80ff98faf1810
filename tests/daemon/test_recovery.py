"""After a crash, fdpd removes partial downloads from the users' data stores at start-up, but
never walks a store that breaks the data store rules (one set up as `/` before they existed)."""

from __future__ import annotations

from pathlib import Path

from fdpd.journal import Journal
from fdpd.journal.models import FdpUser
from tests.fdp_process import FdpInstance


def _user(name: str, store: Path | str) -> FdpUser:
    return FdpUser(
        username=name,
        full_name=name,
        namespace=name,
        data_store=str(store),
        token_file="/nonexistent",
        author_url="/api/author/1/",
        author_uuid="00000000-0000-0000-0000-000000000000",
        configured="2026-01-01T00:00:00.000+00:00",
    )


def test_partial_downloads_are_removed_but_an_unsafe_store_is_not_walked(
    fdp: FdpInstance, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    partial = store / "ns" / "thing" / ".1.0.0.csv.abc123.part"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half a file")
    kept = store / "ns" / "thing" / "1.0.0.csv"
    kept.write_bytes(b"a whole file")
    fdp.locations.ensure()
    journal = Journal.open(fdp.locations.journal_path)
    with journal.session() as session:
        session.add(_user("ana", f"{store}/"))
        session.add(_user("old", "/"))
        session.commit()
    journal.start_operation("pull", {})  # left running: what a killed fdpd leaves
    journal.close()

    fdp.start_daemon()

    assert not partial.exists()
    assert kept.read_bytes() == b"a whole file"
    log = fdp.daemon_output.read_text()
    assert "not looking for partial downloads in /:" in log
