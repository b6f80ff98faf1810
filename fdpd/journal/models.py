"""SQLModel classes for the journal's tables (the schema itself comes from `migrations`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from fdpd.base.wire import CheckOutcome, ItemState, JobState, Outcome

# The states (fdpd.base.wire) are stored as their text: a StrEnum member equals the text read back.


RUNNING, SUCCEEDED, DRY_RUN = Outcome.RUNNING, Outcome.SUCCEEDED, Outcome.DRY_RUN
FAILED, INTERRUPTED, CANCELLED = Outcome.FAILED, Outcome.INTERRUPTED, Outcome.CANCELLED


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


class FdpUser(SQLModel, table=True):
    """A user set up with `fdpctl config USERNAME`: identity, namespace, data store, token file."""

    __tablename__ = "fdp_user"

    username: str = Field(primary_key=True)
    full_name: str
    identifier: str | None = None
    namespace: str
    data_store: str  # absolute, with a trailing separator
    token_file: str
    author_url: str  # path form, /api/author/<id>/
    author_uuid: str
    active: bool = False
    configured: str  # ISO 8601, UTC


JOB_PREPARED, JOB_DELETED, JOB_RUNNING = JobState.PREPARED, JobState.DELETED, JobState.RUNNING
JOB_SUCCEEDED, JOB_FAILED = JobState.SUCCEEDED, JobState.FAILED
JOB_INTERRUPTED, JOB_CANCELLED = JobState.INTERRUPTED, JobState.CANCELLED
UNFINISHED_JOBS = (JOB_FAILED, JOB_CANCELLED)  # their records are recorded as failed


class Job(SQLModel, table=True):
    """One job: its folder, generation record (GET /v1/jobs/JOB `record`), process and outcome."""

    __tablename__ = "job"

    id: str = Field(primary_key=True)  # the job folder's name
    operation_id: int | None = Field(default=None, foreign_key="operation.id")
    username: str
    folder: str
    config_file: str
    state: str
    exit_status: int | None = None  # negative: killed by that signal
    started: str  # ISO 8601, UTC
    ended: str | None = None
    argv: list[str] = Field(default_factory=list, sa_type=JSON)
    cwd: str
    working_config: str
    record: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    inputs: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    code_runs: list[str] = Field(default_factory=list, sa_type=JSON)  # uuids
    warnings: list[str] = Field(default_factory=list, sa_type=JSON)
    # what the job made is not recorded yet: the registry could not be read after its script
    records_pending: bool = False


ITEM_LOCAL, ITEM_COMMITTED, ITEM_PUSHED = ItemState.LOCAL, ItemState.COMMITTED, ItemState.PUSHED
ITEM_PULLED, ITEM_FAILED = ItemState.PULLED, ItemState.FAILED
STATES = (ITEM_LOCAL, ITEM_COMMITTED, ITEM_PUSHED, ITEM_PULLED, ITEM_FAILED)
# What users count and `status` lists by name; the other records are in their closures.
ROOT_TYPES = ("code_run", "data_product")


class Item(SQLModel, table=True):
    """A local registry record and what fdp knows of it: the job that made it, its state, and
    the remote record it corresponds to (the sync ledger)."""

    __tablename__ = "item"

    path: str = Field(primary_key=True)  # /api/<type>/<id>/
    type: str
    job_id: str | None = Field(default=None, foreign_key="job.id")
    state: str
    uuid: str | None = None
    remote: str | None = None  # remote name
    remote_url: str | None = None
    synced: str | None = None  # ISO 8601, UTC: when pushed or pulled
    commit_root: bool = False  # named in `commit` itself, not only in another item's closure
    label: str | None = None  # `ns:name@version` of a data product, a code run's description


class PullRecord(SQLModel, table=True):
    """The version the last pull of a `register:` item registered, keyed by namespace, name and
    the source URL it was downloaded from (docs/config.md)."""

    __tablename__ = "pull_record"

    namespace: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    source_url: str = Field(primary_key=True)
    version: str
    sha1: str
    data_product: str  # local registry path, /api/data_product/<id>/
    operation_id: int | None = Field(default=None, foreign_key="operation.id")
    pulled: str  # ISO 8601, UTC


CHECK_RUNNING, CHECK_SUCCEEDED, CHECK_FAILED = (
    CheckOutcome.RUNNING,
    CheckOutcome.SUCCEEDED,
    CheckOutcome.FAILED,
)


class UpdateCheck(SQLModel, table=True):
    """One look at a remote for newer versions of what was pulled from it (and, with
    `auto_update`, their pull): when, why, and what it found."""

    __tablename__ = "update_check"

    id: int | None = Field(default=None, primary_key=True)
    remote: str
    trigger: str  # `schedule`, `update --check`, `update`, `update --dry-run`
    operation_id: int | None = Field(default=None, foreign_key="operation.id")
    started: str  # ISO 8601, UTC
    finished: str | None = None
    outcome: str = CHECK_RUNNING
    checked: int = 0  # pulled data products compared with the remote
    available: list[str] = Field(default_factory=list, sa_type=JSON)  # `ns:name old -> new`
    pulled: list[str] = Field(default_factory=list, sa_type=JSON)  # updates pulled by this check
    error: str | None = None


class UpdateSchedule(SQLModel, table=True):
    """When scheduled checks of a remote began (the first interval is counted from it)."""

    __tablename__ = "update_schedule"

    remote: str = Field(primary_key=True)
    since: str  # ISO 8601, UTC


class RemoteVersion(SQLModel, table=True):
    """A data product version a remote holds, kept when gc or delete removed its local records
    (journal v9): writes never take that version again, and a `register:` item whose file a
    remote holds under it comes back with the remote object's uuid."""

    __tablename__ = "remote_version"

    remote: str = Field(primary_key=True)
    namespace: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    version: str = Field(primary_key=True)
    remote_url: str  # the data product on the remote
    object_uuid: str | None = None
    sha1: str | None = None  # its file's, if it has one
    seen: str  # ISO 8601, UTC: when the local copy was removed


class Removal(SQLModel, table=True):
    """One record `gc` or `delete` removed from the local registry (journal v7)."""

    __tablename__ = "removal"

    id: int | None = Field(default=None, primary_key=True)
    path: str  # /api/<type>/<id>/ in the local registry
    type: str
    state: str | None = None  # its item state, None if fdp did not track it
    remote: str | None = None
    remote_url: str | None = None
    file: str | None = None  # the data store file deleted with it
    reason: str  # gc | delete
    operation_id: int | None = Field(default=None, foreign_key="operation.id")
    removed: str  # ISO 8601, UTC
