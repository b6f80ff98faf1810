"""fdpd's journal in SQLite, with a versioned schema: operations and their events, users, jobs,
the items fdp tracks and their sync state, pulls, update checks, removals and the remote versions
seen; its states (`models`) and shared queries (`queries`).

`Journal` and the models are imported on first use (they import SQLAlchemy and SQLModel), so
`fdpd.journal.prepare` readies the file before fdpd has paid for them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fdpd.journal.migrations import LATEST_VERSION, MIGRATIONS

if TYPE_CHECKING:
    from fdpd.journal.database import Journal
    from fdpd.journal.models import Operation, OperationEvent

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Journal", "Operation", "OperationEvent"]

_LAZY = {"Journal": "database", "Operation": "models", "OperationEvent": "models"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"fdpd.journal.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
