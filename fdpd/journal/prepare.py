"""Making the journal file usable (created, WAL, migrated, private) with `sqlite3` alone.

fdpd does this before it answers anything (`fdpd.server.daemon`): a damaged or too new journal
stops it at start, with the reason in its log, before SQLAlchemy is even imported.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.journal.migrations import migrate

BUSY_TIMEOUT_MS = 5000


def prepare_journal(path: Path) -> None:
    """Create (if needed), switch to WAL and migrate the journal at `path`; FdpError if unusable."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            migrate(db, str(path))
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise FdpError(
            f"cannot open the journal {path}: {exc}",
            hint="check the file; if it is damaged, move it aside and restart fdpd",
            code=ErrorCode.JOURNAL_UNUSABLE,
        ) from None
    path.chmod(0o600)
