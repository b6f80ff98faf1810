"""The journal's schema history: one function per version, applied in order at open.

The schema version lives in `PRAGMA user_version`. To change the schema, append a function to
`MIGRATIONS` (never edit one that has shipped): version N is produced by `MIGRATIONS[N - 1]`.
Migrations use plain DDL, not the SQLModel classes, so they stay valid when the classes change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from fdpd.errors import FdpError

Migration = Callable[[sqlite3.Connection], None]


def _v1_operations(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE operation (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            verb TEXT NOT NULL,
            arguments TEXT NOT NULL DEFAULT '{}',
            started TEXT NOT NULL,
            ended TEXT,
            outcome TEXT NOT NULL DEFAULT 'running',
            error TEXT
        )
        """
    )


def _v2_operation_events(db: sqlite3.Connection) -> None:
    # Events get their own rows so a running operation appends instead of rewriting one blob,
    # and a crash loses at most the event being written.
    db.execute(
        """
        CREATE TABLE operation_event (
            operation_id INTEGER NOT NULL REFERENCES operation(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            type TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (operation_id, seq)
        )
        """
    )
    db.execute("CREATE INDEX operation_started ON operation(started)")


MIGRATIONS: list[Migration] = [
    _v1_operations,
    _v2_operation_events,
]

LATEST_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, where: str) -> int:
    """Bring the database up to `LATEST_VERSION` in one transaction; return the version found.

    `db` must be in autocommit mode (`isolation_level=None`) so the explicit transaction here
    covers the DDL too. `BEGIN IMMEDIATE` makes concurrent openers wait for each other.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(db)
        if found > LATEST_VERSION:
            raise FdpError(
                f"the journal {where} has schema version {found}, newer than this fdp "
                f"understands ({LATEST_VERSION})",
                hint="upgrade fdp, or move the journal aside to start a new one",
                code="journal_too_new",
                status=500,
            )
        for version in range(found + 1, LATEST_VERSION + 1):
            MIGRATIONS[version - 1](db)
        db.execute(f"PRAGMA user_version = {LATEST_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return found
