"""The daemon API's answers, as fdpd sends them and fdpctl reads them.

fdpd's routes return these (FastAPI validates each answer against its type and describes it in
`/v1/openapi.json`; a key a type leaves out is not sent); fdpctl imports this module only for
type checking, so it stays standard library at run time. A TypedDict is a plain dict on the wire
and in both programs: nothing is converted.

typing_extensions' TypedDict, not typing's: pydantic needs it on Python 3.11.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

# --- daemon -------------------------------------------------------------------------------------


class Ping(TypedDict):
    version: str
    pid: int
    socket: str | None
    started: str
    uptime_seconds: float


class Listeners(TypedDict):
    socket: str | None
    tcp: str | None
    socket_activated: bool


class DaemonLocations(TypedDict):
    config_dir: str
    state_dir: str
    data_dir: str
    journal: str
    log: str


class DaemonStatus(TypedDict):
    version: str
    pid: int
    python: str
    started: str
    uptime_seconds: float
    listeners: Listeners
    locations: DaemonLocations
    running_operations: list[int]


class Stopping(TypedDict):
    stopping: bool
    pid: int


# --- operations ---------------------------------------------------------------------------------


class OperationOut(TypedDict):
    id: int
    verb: str
    arguments: dict[str, Any]
    started: str
    ended: str | None
    outcome: str
    error: dict[str, Any] | None


class OperationList(TypedDict):
    operations: list[OperationOut]


class CancelOut(TypedDict):
    operation: OperationOut
    job: str | None  # the job of a `run`
    message: str


# --- remotes and users --------------------------------------------------------------------------


class RemoteOut(TypedDict):
    name: str
    url: str
    token_file: str
    data_store: str | None


class RemoteList(TypedDict):
    remotes: list[RemoteOut]


class UserOut(TypedDict):
    """An fdp user; the token itself never leaves fdpd, only where it is kept."""

    username: str
    full_name: str
    identifier: str | None
    namespace: str
    data_store: str
    token_file: str
    author_url: str
    author_uuid: str
    active: bool
    configured: str


class UserConfigured(UserOut):
    previous_data_store: str | None  # null: a new user
    warnings: list[str]  # what the user must still do by hand


class UserList(TypedDict):
    users: list[UserOut]


# --- schedule -----------------------------------------------------------------------------------


class CheckOut(TypedDict):
    """One update check of a remote, as the journal keeps it."""

    trigger: str
    operation: int | None
    started: str
    finished: str | None
    outcome: str
    checked: int
    available: list[str]  # `ns:name old -> new`
    pulled: list[str]
    error: str | None


class ScheduledCheck(TypedDict):
    remote: str
    interval: float | None  # seconds; null: not scheduled
    auto_update: bool
    next_run: str | None
    last_run: CheckOut | None


class Schedule(TypedDict):
    jobs: list[ScheduledCheck]
    config_error: str | None  # why a changed config was not applied


# --- gc and delete ------------------------------------------------------------------------------


class RemovedFile(TypedDict):
    file: str
    size: int
    restricted: bool


class KeptItem(TypedDict):
    item: str
    reason: str


class RemovalSummary(TypedDict):
    records: int
    records_by_kind: dict[str, int]
    files: int
    bytes_freed: int
    file_list: list[RemovedFile]
    kept: list[KeptItem]
    remote_requests: dict[str, dict[str, int]]  # per remote: requests by HTTP method


class Removal(RemovalSummary):
    """What a gc removed (the result event of its operation)."""

    dry_run: bool
    problems: list[str]  # what could not be removed, and why


class DeletedJob(TypedDict):
    id: str
    folder: str


class Deleted(Removal):
    given: str
    items: list[str]
    job: DeletedJob | None
