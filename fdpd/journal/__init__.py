"""fdpd's journal: operations (later also jobs, sync state) in SQLite, with a versioned schema."""

from fdpd.journal.database import Journal
from fdpd.journal.migrations import LATEST_VERSION, MIGRATIONS
from fdpd.journal.models import Operation, OperationEvent

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Journal", "Operation", "OperationEvent"]
