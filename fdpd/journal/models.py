"""SQLModel classes for the journal's tables (the schema itself comes from `migrations`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

# Outcomes of an operation, as stored.
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
INTERRUPTED = "interrupted"


class Operation(SQLModel, table=True):
    """One thing fdpd did on request (a verb with arguments), from start to outcome."""

    __tablename__ = "operation"

    id: int | None = Field(default=None, primary_key=True)
    verb: str
    arguments: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    started: str  # ISO 8601, UTC
    ended: str | None = None
    outcome: str = RUNNING
    error: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class OperationEvent(SQLModel, table=True):
    """One event of an operation's stream, exactly as it was sent (`body` holds the JSON)."""

    __tablename__ = "operation_event"

    operation_id: int = Field(foreign_key="operation.id", primary_key=True)
    seq: int = Field(primary_key=True)
    type: str
    body: dict[str, Any] = Field(sa_type=JSON)
