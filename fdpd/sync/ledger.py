"""What the sync engine needs remembered between operations: which local record is which remote one.

`SyncLedger` is the protocol; fdpd implements it on the journal (`fdpd.shared.journal_ledger`), and
tests/sync/ledgers.py has two small ones for tests and benchmarks. Records are keyed by path
(`/api/<type>/<id>/`), never by host.
"""

from __future__ import annotations

from typing import Protocol


class SyncLedger(Protocol):
    """Correspondence of local and remote records for one remote, and what was synced."""

    def remote_url_for(self, local_path: str) -> str | None:
        """The remote record known to be the copy (or source) of the local record, if any."""
        ...

    def local_path_for(self, remote_url: str) -> str | None:
        """The local record known to be the copy of the remote record, if any."""
        ...

    def record_link(self, local_path: str, remote_url: str) -> None:
        """Remember at once (durably) that the two records are the same thing."""
        ...

    def mark_pushed(self, local_path: str, remote_url: str) -> None:
        """A root item (code run, data product) and its whole closure are on the remote."""
        ...

    def mark_pulled(self, local_path: str, remote_url: str) -> None:
        """A data product (records and file) was copied from the remote."""
        ...

    async def flush(self) -> None:
        """Make every link and mark so far durable (the engine calls it after each dependency
        batch and at the end; a ledger that writes at once has nothing to do)."""
        ...
