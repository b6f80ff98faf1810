"""fdpd's journal in SQLite, with a versioned schema: operations and their events, jobs, the
items fdp tracks and their sync state, removals; its states (`models`) and shared queries
(`queries`)."""

from fdpd.journal.database import Journal
from fdpd.journal.migrations import LATEST_VERSION, MIGRATIONS
from fdpd.journal.models import Operation, OperationEvent

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Journal", "Operation", "OperationEvent"]
