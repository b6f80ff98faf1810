"""fdpd's journal in SQLite, with a versioned schema: operations and their events, users, jobs,
the items fdp tracks and their sync state, pulls, update checks, removals and the remote versions
seen; its states (`models`) and shared queries (`queries`)."""

from fdpd.journal.database import Journal
from fdpd.journal.migrations import LATEST_VERSION, MIGRATIONS
from fdpd.journal.models import Operation, OperationEvent

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Journal", "Operation", "OperationEvent"]
