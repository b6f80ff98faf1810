"""The sync engine: pull and push of record graphs between a local and a remote registry.

Entry points: `resolve_reads` (read items → exact remote products), `pull`, `push`. Persistence
goes through a `SyncLedger` (fdpd implements it on the journal); progress and warnings through
callbacks. Every operation returns a `SyncReport`.
"""

from __future__ import annotations

from fdpd.sync.copier import SyncConflict
from fdpd.sync.ledger import SyncLedger
from fdpd.sync.pull import pull
from fdpd.sync.push import push
from fdpd.sync.report import ItemOutcome, ProgressCallback, SyncReport, WarningCallback
from fdpd.sync.resolve import ProductRef, ReadRequest, RemoteProduct, resolve_reads
from fdpd.sync.transfers import HashMismatch, TransferError

__all__ = [
    "HashMismatch",
    "ItemOutcome",
    "ProductRef",
    "ProgressCallback",
    "ReadRequest",
    "RemoteProduct",
    "SyncConflict",
    "SyncLedger",
    "SyncReport",
    "TransferError",
    "WarningCallback",
    "pull",
    "push",
    "resolve_reads",
]
