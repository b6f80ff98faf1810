"""fdpd's journal in SQLite, with a versioned schema: operations, users, jobs, items, pulls, update
checks and the remote versions seen."""

from fdpd.journal.database import Journal
from fdpd.journal.migrations import LATEST_VERSION, MIGRATIONS
from fdpd.journal.models import Operation, OperationEvent

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Journal", "Operation", "OperationEvent"]
