"""Opening the journal (SQLite, WAL, migrated) and the operations it records."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, event
from sqlmodel import Session, col, create_engine, select

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import NotFound
from fdpd.base.wire import Event
from fdpd.journal.models import INTERRUPTED, RUNNING, Operation, OperationEvent
from fdpd.journal.prepare import BUSY_TIMEOUT_MS, prepare_journal


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Journal:
    """fdpd's durable record. Open with `Journal.open(path)`; one instance per daemon."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine

    @classmethod
    def open(cls, path: Path) -> Journal:
        """Open (creating if needed) and migrate the journal at `path`."""
        prepare_journal(path)
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_connection)
        return cls(path, engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def start_operation(self, verb: str, arguments: dict[str, Any]) -> Operation:
        with self.session() as session:
            operation = Operation(verb=verb, arguments=arguments, started=utc_now())
            session.add(operation)
            session.flush()
            session.refresh(operation)
            return operation

    def append_event(self, operation_id: int, event_body: Event) -> None:
        with self.session() as session:
            session.add(
                OperationEvent(
                    operation_id=operation_id,
                    seq=int(event_body["id"]),
                    type=str(event_body["type"]),
                    body=dict(event_body),
                )
            )

    def finish_operation(
        self, operation_id: int, outcome: str, error: dict[str, Any] | None = None
    ) -> None:
        with self.session() as session:
            operation = session.get(Operation, operation_id)
            if operation is None:
                raise NotFound(f"no operation {operation_id} in the journal")
            operation.ended = utc_now()
            operation.outcome = outcome
            operation.error = error
            session.add(operation)

    def interrupt_unfinished(self) -> int:
        """Mark operations left `running` by an earlier fdpd (crash, kill) as interrupted."""
        with self.session() as session:
            stale = session.exec(select(Operation).where(Operation.outcome == RUNNING)).all()
            for operation in stale:
                operation.outcome = INTERRUPTED
                operation.ended = operation.ended or utc_now()
                operation.error = {
                    "code": ErrorCode.INTERRUPTED,
                    "message": "fdpd stopped before the operation finished",
                    "hint": "run the command again",
                }
                session.add(operation)
            return len(stale)

    def recent_operations(self, limit: int = 20) -> list[Operation]:
        with self.session() as session:
            query = select(Operation).order_by(col(Operation.id).desc()).limit(limit)
            return list(session.exec(query).all())

    def get_operation(self, operation_id: int) -> Operation:
        with self.session() as session:
            operation = session.get(Operation, operation_id)
        if operation is None:
            raise NotFound(
                f"no operation {operation_id} in the journal",
                hint="`fdpctl log` lists recent operations",
            )
        return operation

    def operation_events(self, operation_id: int) -> list[Event]:
        """The events of an operation as they were sent (fdpd wrote each, `Event`)."""
        self.get_operation(operation_id)
        with self.session() as session:
            query = (
                select(OperationEvent)
                .where(OperationEvent.operation_id == operation_id)
                .order_by(col(OperationEvent.seq))
            )
            return [cast(Event, dict(row.body)) for row in session.exec(query).all()]


def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
