"""The journal's schema history: one function per version, applied in order at open.

The schema version lives in `PRAGMA user_version`. To change the schema, append a function to
`MIGRATIONS` (never edit one that has shipped): version N is produced by `MIGRATIONS[N - 1]`.
Migrations use plain DDL, not the SQLModel classes, so they stay valid when the classes change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError

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


def _v3_users(db: sqlite3.Connection) -> None:
    # fdp users set up by `fdpctl config USERNAME`; `active` marks the one runs are made for.
    db.execute(
        """
        CREATE TABLE fdp_user (
            username TEXT PRIMARY KEY,
            full_name TEXT NOT NULL,
            identifier TEXT,
            namespace TEXT NOT NULL,
            data_store TEXT NOT NULL,
            token_file TEXT NOT NULL,
            author_url TEXT NOT NULL,
            author_uuid TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 0,
            configured TEXT NOT NULL
        )
        """
    )


def _v4_jobs_and_items(db: sqlite3.Connection) -> None:
    # A job is named by its folder (`YYYY-MM-DD_HH_MM_SS_ffffff`); its output lives in the
    # `log` events of its operation. `item` is the ledger of registry records fdp knows about,
    # keyed by local registry path: what jobs created (local, failed) and what sync did.
    db.execute(
        """
        CREATE TABLE job (
            id TEXT PRIMARY KEY,
            operation_id INTEGER REFERENCES operation(id) ON DELETE SET NULL,
            username TEXT NOT NULL,
            folder TEXT NOT NULL,
            config_file TEXT NOT NULL,
            state TEXT NOT NULL,
            exit_status INTEGER,
            started TEXT NOT NULL,
            ended TEXT,
            argv TEXT NOT NULL DEFAULT '[]',
            cwd TEXT NOT NULL,
            working_config TEXT NOT NULL,
            record TEXT NOT NULL DEFAULT '{}',
            inputs TEXT NOT NULL DEFAULT '[]',
            code_runs TEXT NOT NULL DEFAULT '[]',
            warnings TEXT NOT NULL DEFAULT '[]'
        )
        """
    )
    db.execute("CREATE INDEX job_started ON job(started)")
    db.execute(
        """
        CREATE TABLE item (
            path TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            job_id TEXT REFERENCES job(id) ON DELETE SET NULL,
            state TEXT NOT NULL
                CHECK (state IN ('local', 'committed', 'pushed', 'pulled', 'failed')),
            uuid TEXT,
            remote TEXT,
            remote_url TEXT,
            synced TEXT
        )
        """
    )
    db.execute("CREATE INDEX item_job ON item(job_id)")
    db.execute("CREATE INDEX item_remote_url ON item(remote, remote_url)")


def _v5_pull_records(db: sqlite3.Connection) -> None:
    # What the last pull of each `register:` item registered, so `run`/`generate` read that
    # version instead of re-evaluating a template such as `0.${{DATE}}.0` (docs/config.md).
    db.execute(
        """
        CREATE TABLE pull_record (
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            source_url TEXT NOT NULL,
            version TEXT NOT NULL,
            sha1 TEXT NOT NULL,
            data_product TEXT NOT NULL,
            operation_id INTEGER REFERENCES operation(id) ON DELETE SET NULL,
            pulled TEXT NOT NULL,
            PRIMARY KEY (namespace, name, source_url)
        )
        """
    )


def _v6_update_checks(db: sqlite3.Connection) -> None:
    # Scheduled update checks: one row per check (scheduled or asked for) with what it found,
    # and when each remote's schedule began, so a remote never checked yet is checked one
    # interval after it was first scheduled even if fdpd restarts in between.
    db.execute(
        """
        CREATE TABLE update_check (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            remote TEXT NOT NULL,
            trigger TEXT NOT NULL,
            operation_id INTEGER REFERENCES operation(id) ON DELETE SET NULL,
            started TEXT NOT NULL,
            finished TEXT,
            outcome TEXT NOT NULL DEFAULT 'running',
            checked INTEGER NOT NULL DEFAULT 0,
            available TEXT NOT NULL DEFAULT '[]',
            pulled TEXT NOT NULL DEFAULT '[]',
            error TEXT
        )
        """
    )
    db.execute("CREATE INDEX update_check_remote ON update_check(remote, started)")
    db.execute(
        """
        CREATE TABLE update_schedule (
            remote TEXT PRIMARY KEY,
            since TEXT NOT NULL
        )
        """
    )


def _v7_removals(db: sqlite3.Connection) -> None:
    # `gc` and `delete` take removed records out of `item` (status counts stay true); this
    # keeps what each removal took, its state then and where the remote copy is.
    db.execute(
        """
        CREATE TABLE removal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            path TEXT NOT NULL,
            type TEXT NOT NULL,
            state TEXT,
            remote TEXT,
            remote_url TEXT,
            file TEXT,
            reason TEXT NOT NULL,
            operation_id INTEGER REFERENCES operation(id) ON DELETE SET NULL,
            removed TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX removal_path ON removal(path)")


def _v8_commit_roots(db: sqlite3.Connection) -> None:
    # What the user named in `commit` (as opposed to what came in with its closure), so that
    # `uncommit` of a record another committed item needs can say so instead of taking it back.
    # Before v8 every committed code run or data product counted as named.
    db.execute("ALTER TABLE item ADD COLUMN commit_root INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE item SET commit_root = 1 "
        "WHERE state = 'committed' AND type IN ('code_run', 'data_product')"
    )


def _v9_remote_versions(db: sqlite3.Connection) -> None:
    # The data product versions a remote holds whose local records gc or delete removed: the
    # local registry no longer lists them, yet a write must not take one of those versions
    # again, and a `register:` item whose file a remote holds under one comes back as it.
    db.execute(
        """
        CREATE TABLE remote_version (
            remote TEXT NOT NULL,
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            remote_url TEXT NOT NULL,
            object_uuid TEXT,
            sha1 TEXT,
            seen TEXT NOT NULL,
            PRIMARY KEY (remote, namespace, name, version)
        )
        """
    )


def _v10_item_labels(db: sqlite3.Connection) -> None:
    # How `status` names an item without asking the registry: `namespace:name@version` of a
    # data product, the description of a code run. NULL until known (fdpd looks it up once).
    db.execute("ALTER TABLE item ADD COLUMN label TEXT")


def _v11_job_records_pending(db: sqlite3.Connection) -> None:
    # A job whose script ended while its local registry could not be read (it died, or another
    # program took its port): what the job made is recorded later, when the registry answers.
    db.execute("ALTER TABLE job ADD COLUMN records_pending INTEGER NOT NULL DEFAULT 0")


def _v12_reruns(db: sqlite3.Connection) -> None:
    # `fdpctl rerun`: the job of kind rerun, the code run it ran again and the verdict, so
    # that `log` lists reruns and `info` of a code run shows its last one (docs/commands/rerun.md).
    db.execute(
        """
        CREATE TABLE rerun (
            job_id TEXT PRIMARY KEY,
            code_run TEXT NOT NULL,
            given TEXT NOT NULL,
            username TEXT NOT NULL,
            started TEXT NOT NULL,
            ended TEXT,
            verdict TEXT NOT NULL,
            identical INTEGER NOT NULL DEFAULT 0,
            outputs INTEGER NOT NULL DEFAULT 0,
            kept INTEGER NOT NULL DEFAULT 0,
            new_code_run TEXT
        )
        """
    )
    db.execute("CREATE INDEX rerun_code_run ON rerun(code_run)")


MIGRATIONS: list[Migration] = [
    _v1_operations,
    _v2_operation_events,
    _v3_users,
    _v4_jobs_and_items,
    _v5_pull_records,
    _v6_update_checks,
    _v7_removals,
    _v8_commit_roots,
    _v9_remote_versions,
    _v10_item_labels,
    _v11_job_records_pending,
    _v12_reruns,
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
                code=ErrorCode.JOURNAL_TOO_NEW,
            )
        for version in range(found + 1, LATEST_VERSION + 1):
            MIGRATIONS[version - 1](db)
        db.execute(f"PRAGMA user_version = {LATEST_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return found
