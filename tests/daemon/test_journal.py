"""The journal's schema is versioned: an older journal is migrated without losing a row."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from fdpd.base.errors import FdpError
from fdpd.journal import LATEST_VERSION, Journal, Operation, OperationEvent
from fdpd.journal import models as journal_models
from fdpd.journal.reruns import Rerun
from tests.fdp_process import FdpInstance

JOURNAL = {
    str(model.__tablename__)
    for model in (Operation, OperationEvent, Rerun, *vars(journal_models).values())
    if isinstance(model, type) and issubclass(model, SQLModel) and hasattr(model, "__table__")
}

# The schema as fdp 0.1.0 first wrote it (version 1), frozen here on purpose.
VERSION_1_DDL = """
CREATE TABLE operation (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    verb TEXT NOT NULL,
    arguments TEXT NOT NULL DEFAULT '{}',
    started TEXT NOT NULL,
    ended TEXT,
    outcome TEXT NOT NULL DEFAULT 'running',
    error TEXT
);
"""
VERSION_1_ROWS = [
    (1, "daemon check", "{}", "2026-01-01T10:00:00.000+00:00", "2026-01-01T10:00:01.000+00:00",
     "succeeded", None),
    (2, "pull", '{"remote": "origin"}', "2026-01-02T10:00:00.000+00:00",
     "2026-01-02T10:05:00.000+00:00", "failed",
     '{"code": "unavailable", "message": "remote down", "hint": "retry"}'),
    (3, "push", '{"remote": "origin"}', "2026-01-03T10:00:00.000+00:00", None, "running", None),
]  # fmt: skip


def _write_version_1_journal(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(VERSION_1_DDL)
    db.executemany("INSERT INTO operation VALUES (?, ?, ?, ?, ?, ?, ?)", VERSION_1_ROWS)
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def _rows(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT * FROM operation ORDER BY id").fetchall()
    finally:
        db.close()


def test_version_1_journal_is_migrated_keeping_every_row(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    _write_version_1_journal(path)

    journal = Journal.open(path)
    journal.append_event(2, {"id": 1, "type": "log", "message": "added after the migration"})
    journal.close()

    assert _rows(path) == VERSION_1_ROWS
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    reopened = Journal.open(path)
    assert reopened.operation_events(2)[0]["message"] == "added after the migration"
    assert reopened.get_operation(2).error == json.loads(str(VERSION_1_ROWS[1][6]))
    reopened.close()


def test_fdpd_serves_a_migrated_journal(fdp: FdpInstance) -> None:
    _write_version_1_journal(fdp.locations.journal_path)

    fdp.start_daemon()
    listed = json.loads(fdp.run_fdpctl("--json", "log").stdout)["operations"]

    assert [op["id"] for op in listed] == [3, 2, 1]
    assert listed[1]["arguments"] == {"remote": "origin"}
    assert listed[1]["error"]["message"] == "remote down"
    # The push an earlier fdpd never finished is recorded as interrupted, not left running.
    assert listed[0]["outcome"] == "interrupted"
    assert listed[0]["error"]["code"] == "interrupted"


def test_journal_newer_than_this_fdp_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    db.close()

    with pytest.raises(FdpError) as refused:
        Journal.open(path)

    assert refused.value.code == "journal_too_new"
    assert "upgrade fdp" in refused.value.hint


def test_model_classes_match_the_migrated_schema(tmp_path: Path) -> None:
    """Every table the migrations make has its class, with the same columns, the same NOT NULL
    and foreign keys (types are SQLite's affinities on both sides: not compared)."""
    journal = Journal.open(tmp_path / "journal.db")
    migrated = inspect(journal.engine)
    classes = {name: table for name, table in SQLModel.metadata.tables.items() if name in JOURNAL}
    assert set(migrated.get_table_names()) - {"sqlite_sequence"} == set(classes)
    for name, table in classes.items():
        # a primary key is never null (SQLite reports INTEGER PRIMARY KEY as nullable)
        found = {
            c["name"]: (bool(c["primary_key"]), bool(c["primary_key"]) or not c["nullable"])
            for c in migrated.get_columns(name)
        }
        declared = {c.name: (c.primary_key, c.primary_key or not c.nullable) for c in table.columns}
        assert found == declared, name
        found_keys = {
            (tuple(k["constrained_columns"]), k["referred_table"], tuple(k["referred_columns"]))
            for k in migrated.get_foreign_keys(name)
        }
        declared_keys = {
            (tuple(k.column_keys), k.referred_table.name, tuple(e.column.name for e in k.elements))
            for k in table.foreign_key_constraints
        }
        assert found_keys == declared_keys, name
    journal.close()
