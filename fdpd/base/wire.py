"""The daemon API's answers, as fdpd sends them and fdpctl reads them.

fdpd's routes return these (FastAPI validates each answer against its type and describes it in
`/v1/openapi.json`; a key a type leaves out is not sent); fdpctl imports this module only for
type checking, so it stays standard library at run time. A TypedDict is a plain dict on the wire
and in both programs: nothing is converted.

typing_extensions' TypedDict, not typing's: pydantic needs it on Python 3.11.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, NotRequired, final

from typing_extensions import TypedDict

# --- states -------------------------------------------------------------------------------------
# The journal stores each as its text: a StrEnum member equals the text read back.


class Outcome(StrEnum):
    """Of an operation."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    DRY_RUN = "dry run"  # a dry run that succeeded: it changed nothing, on purpose
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"  # asked to stop (`fdpctl cancel`, Ctrl-C), stopped at a safe point


class JobState(StrEnum):
    PREPARED = "prepared"  # folder made for a language API (POST /v1/working-config)
    DELETED = "deleted"  # `fdpctl delete JOB` removed its records and its folder
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"  # its processes stopped on request; its records count as failed


class ItemState(StrEnum):
    """Of an item (a local registry record fdp tracks)."""

    LOCAL = "local"  # made by a job, not committed
    COMMITTED = "committed"
    PUSHED = "pushed"
    PULLED = "pulled"
    FAILED = "failed"  # made by a failed job: `gc` may remove it


class CheckOutcome(StrEnum):
    """Of an update check (`running` until it ends)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# external: a registry fdpd does not run (`registry: url:`), neither started nor stopped by it
RegistryRunState = Literal["stopped", "starting", "running", "external"]
# an item of a pull: registered/pulled (new), present (nothing copied), failed; update adds
# newer (a dry run) and current
PullStatus = Literal["registered", "pulled", "present", "failed", "newer", "current"]
PullKind = Literal["register", "read", "update"]
# an item of a push (pulled: a pull's record, not sent again)
SyncStatus = Literal["pushed", "pulled", "planned", "skipped", "failed"]

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


class DaemonRegistry(TypedDict):
    """The local registry as `daemon status` names it (`registry status` says more)."""

    state: RegistryRunState
    url: str


class DaemonStatus(TypedDict):
    version: str
    pid: int
    python: str
    started: str
    uptime_seconds: float
    listeners: Listeners
    locations: DaemonLocations
    running_operations: list[int]
    registry: DaemonRegistry


class Stopping(TypedDict):
    stopping: bool
    pid: int


class SelfCheckItem(TypedDict):
    name: str
    ok: bool
    detail: str


class SelfCheck(TypedDict):
    """The result of `fdpctl daemon check`."""

    checks: list[SelfCheckItem]


# --- the local registry -----------------------------------------------------------------------


class RegistryState(TypedDict):
    state: RegistryRunState
    url: str
    pid: int | None
    adopted: bool  # a registry fdpd found running and took over
    holders: list[str]  # what keeps it running (a run, an operation, `registry start`)
    uptime: float | None  # seconds
    restarts: int
    idle_timeout: float  # seconds without a holder before it stops


class RegistryOpened(RegistryState):
    browser_url: str | None  # the web view with a fresh one-time login code (only `open`)


# --- operations ---------------------------------------------------------------------------------


class OperationOut(TypedDict):
    id: int
    verb: str
    arguments: dict[str, Any]
    started: str
    ended: str | None
    outcome: Outcome
    error: dict[str, Any] | None


# The events of an operation's NDJSON stream (`fdpd.core.operations.Emitter`), numbered from 1
# by `id`; the last is a `result` or an `error`. fdpctl's own `result` of a detached run has no
# `id` and no `operation`.


class ErrorBody(TypedDict):
    code: str
    message: str
    hint: str


class PlannedFile(TypedDict):
    name: str
    size: int | None


class Plan(TypedDict):
    files: list[PlannedFile]
    items: int


FileOutcome = Literal["uploaded", "downloaded", "present", "failed"]
FilePhase = Literal["upload", "download"]
Phase = FilePhase | Literal["records"]  # a sync's phases: its files, then its records


class FileEnded(TypedDict):
    name: str
    size: int | None
    outcome: FileOutcome


class ProgressDetails(TypedDict, total=False):
    """What a progress event says beyond its message and counts."""

    remote: str  # the remote registry it works with
    # a sync phase's (fdpd.sync.report): its files (or records) and bytes
    phase: Phase
    items: int
    bytes: int
    bytes_total: int
    moved: int
    active: list[str]  # files moving now
    ended: list[FileEnded]  # files ended since the last event
    plan: Plan  # the phase's first event: every file it moves
    # a job's, where a batch system has it
    job: str
    slurm_job: str
    slurm_state: str  # SUBMITTED, then SLURM's job state
    task: int  # of an array sweep
    reason: str  # why it waits
    node: str  # where it runs


class ProgressOut(ProgressDetails):
    id: NotRequired[int]
    type: Literal["progress"]
    message: str
    current: NotRequired[float]
    total: NotRequired[float]
    unit: NotRequired[str]  # files, records


class LogOut(TypedDict):
    id: NotRequired[int]
    type: Literal["log"]
    message: str
    level: str  # info, or the job's output


class WarningOut(TypedDict):
    id: NotRequired[int]
    type: Literal["warning"]
    message: str
    hint: str


class ResultOut(TypedDict):
    id: NotRequired[int]
    type: Literal["result"]
    result: dict[str, Any]  # the operation's answer: `Pulled`, `Pushed`, `RunResult`...
    operation: NotRequired[int]


class ErrorOut(TypedDict):
    id: NotRequired[int]
    type: Literal["error"]
    error: ErrorBody
    operation: NotRequired[int]


Event = ProgressOut | LogOut | WarningOut | ResultOut | ErrorOut
EventType = Literal["progress", "log", "warning", "result", "error"]


class ActivityOut(TypedDict):
    """An event of any operation, as fdpd passes it to whoever follows them all."""

    operation: int
    verb: str
    event: Event


class Followed(ActivityOut):
    """A line of `GET /v1/operations/follow`: the next event of any operation..."""

    id: int
    type: Literal["event"]


class FollowEnd(TypedDict):
    """...and its last line, when fdpd shuts down."""

    id: int
    type: Literal["end"]
    reason: str


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
    outcome: CheckOutcome
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
    job_folders: list[str]  # of jobs none of whose code runs stays (gc removes them)


class Removal(RemovalSummary):
    """What a gc removed (the result event of its operation)."""

    dry_run: bool
    ok: bool  # false: some files could not be deleted (`problems`)
    problems: list[str]  # what could not be removed, and why


class DeletedJob(TypedDict):
    id: str
    folder: str


class Deleted(Removal):
    given: str
    items: list[str]
    job: DeletedJob | None


# --- info ---------------------------------------------------------------------------------------

# A value copied from a registry record: whatever JSON the registry holds (never trusted).
RecordValue = Any


class JobOut(TypedDict):
    id: str
    state: JobState
    exit_status: int | None  # negative: killed by that signal
    started: str
    ended: str | None
    username: str
    config_file: str
    folder: str
    operation: int | None
    code_runs: list[str]  # code run uuids
    records_pending: bool  # what the job made is recorded when the local registry answers


class SyncState(TypedDict):
    """An item's place in the journal (`local` and untracked when the journal has no row)."""

    state: ItemState
    tracked: bool
    remote: str | None
    remote_url: str | None
    synced: str | None  # ISO 8601, UTC: when pushed or pulled
    job: str | None


class FileView(TypedDict):
    location: str
    path: str | None  # null: not a file here (an http location, say)
    present: bool | None
    size: int | None
    hash: RecordValue
    public: bool  # push would publish it
    private: str | None  # why push would not


class NamedFile(TypedDict):
    path: str
    size: int | None
    hash: RecordValue
    public: bool | None
    private: NotRequired[str | None]


class AuthorView(TypedDict):
    name: RecordValue
    identifier: RecordValue


class IssueView(TypedDict):
    description: RecordValue
    severity: RecordValue
    component: RecordValue


@final  # so a reader can tell the kinds apart with `in`
class ProductMetadata(TypedDict):
    namespace: RecordValue
    name: RecordValue
    version: RecordValue
    description: RecordValue
    file_type: str | None
    last_updated: RecordValue
    authors: list[AuthorView]
    issues: list[IssueView]


@final  # so a reader can tell the kinds apart with `in`
class RunSummary(TypedDict):
    run: str
    run_date: NotRequired[RecordValue]  # the rest is left out for a run not loaded
    inputs: NotRequired[list[str]]
    outputs: NotRequired[list[str]]
    authors: NotRequired[list[RecordValue]]


@final  # so a reader can tell the kinds apart with `in`
class ProductProvenance(TypedDict):
    produced_by: list[RunSummary]
    used_by: list[str]


@final  # so a reader can tell the kinds apart with `in`
class RunMetadata(TypedDict):
    uuid: RecordValue
    run_date: RecordValue
    description: RecordValue
    files: dict[str, FileView | None]  # by role: working config, script, code


class RunOutput(SyncState):
    item: str
    path: str
    file: FileView | None


class ProductView(TypedDict):
    metadata: ProductMetadata
    file: FileView | None
    provenance: ProductProvenance


class RunView(TypedDict):
    metadata: RunMetadata
    provenance: RunSummary
    outputs: list[RunOutput]


class InfoItem(SyncState):
    """A data product (`metadata`, `file`, `provenance`: a `ProductView`) or a code run
    (`metadata`, `provenance`, `outputs`: a `RunView`)."""

    item: str
    type: str
    path: str
    local_url: str
    metadata: ProductMetadata | RunMetadata
    provenance: ProductProvenance | RunSummary
    file: NotRequired[FileView | None]
    outputs: NotRequired[list[RunOutput]]
    last_rerun: RerunRecord | None  # a code run's last `fdpctl rerun` (None: never, a product)


class InfoGraph(TypedDict):
    dot: str
    nodes: int
    edges: int
    file: NotRequired[str]  # never sent: where fdpctl wrote the graph


class Info(TypedDict):
    given: str
    items: list[InfoItem]
    job: NotRequired[JobOut]
    file: NotRequired[NamedFile]
    graph: NotRequired[InfoGraph]


# --- jobs ---------------------------------------------------------------------------------------


class JobList(TypedDict):
    jobs: list[JobOut]


class JobItem(TypedDict):
    """A journal item a job made."""

    path: str
    type: str
    job_id: str | None
    state: ItemState
    uuid: str | None
    remote: str | None
    remote_url: str | None
    synced: str | None
    commit_root: bool
    label: str | None  # `ns:name@version` of a data product, a code run's description


class JobDetail(JobOut):
    argv: list[str]
    cwd: str
    working_config: str
    record: dict[str, Any]  # what generating the working config recorded
    inputs: list[dict[str, Any]]
    warnings: list[str]
    items: list[JobItem]


class JobLog(JobOut):
    lines: list[str]  # what the job's script printed
    warnings: list[str]  # what fdp said of the job: generation, post-run checks


class Names(TypedDict):
    """What shell completion offers (the journal and remotes.yaml only)."""

    items: list[str]  # data products, `ns:name@version`
    jobs: list[str]  # newest first
    remotes: list[str]
    users: list[str]


# --- commit, uncommit and status ----------------------------------------------------------------


class CommitChange(TypedDict):
    item: str
    path: str
    type: str
    before: ItemState
    after: ItemState
    records_changed: int
    items_changed: int  # of those, code runs and data products
    note: str
    with_runs: list[str]  # a data product's: the code runs that wrote it, committed with it
    held_back: list[str]  # ...and those push keeps back (private data), with why


class Committed(TypedDict):
    given: str
    items: list[CommitChange]
    dry_run: bool


class ItemCount(TypedDict):
    items: int  # code runs and data products: what users count
    records: int  # every registry record, theirs included


class NamedItem(TypedDict):
    type: str
    path: str
    job: str | None
    item: str  # `ns:name@version`, or `code run <uuid>`
    uuid: NotRequired[str | None]  # a code run's
    description: NotRequired[str | None]


class UnfinishedJob(TypedDict):
    job: str
    state: JobState
    exit_status: int | None
    config_file: str
    items: int  # its items still here, as failed


class RemoteUpdates(TypedDict):
    remote: str
    available: list[str]  # `ns:name old -> new`
    checked: str | None  # when its latest successful check finished
    failed: CheckOut | None  # its latest check, if that failed after it


class UpdatesSummary(TypedDict):
    available: int
    checked: str | None  # the oldest of the remotes' latest checks
    remotes: list[RemoteUpdates]


class Listed(TypedDict):
    names: dict[str, list[NamedItem]]  # by state, the first `limit`
    registered: int  # data products `register:` made that no job holds (local, in names)
    unfinished_jobs: list[UnfinishedJob]


class ArraySummary(TypedDict):
    """An array sweep (`run --array`) as `status` shows it: one line with counts."""

    array: str  # array-<operation id>: what `fdpctl commit` takes
    config: str
    tasks: int
    counts: dict[str, int]  # queued, running, succeeded, failed, cancelled, interrupted


class Status(Listed):
    items: dict[str, dict[str, int]]  # state -> record type -> count
    counts: dict[str, ItemCount]  # by state
    limit: int | None
    failed_jobs: int
    last_sync: str | None
    updates: UpdatesSummary | None  # null: remotes.yaml cannot be read
    arrays: list[ArraySummary]  # the latest array sweeps


class JournalView(SyncState):
    path: str
    job_state: JobState | None


class ItemFile(TypedDict):
    file: str | None  # a path here, else the location's URL
    hash: RecordValue
    public: RecordValue
    file_present: bool | None


class OutputDetail(JournalView, ItemFile):
    item: str


class ItemDetail(JournalView):
    """`status ITEM`: the journal's view of an item, with its file (a data product: the keys of
    `ItemFile`) or its outputs (a code run)."""

    item: str
    type: str
    local_url: str
    file: NotRequired[str | None]
    hash: NotRequired[RecordValue]
    public: NotRequired[RecordValue]
    file_present: NotRequired[bool | None]
    outputs: NotRequired[list[OutputDetail]]


class ItemStatus(TypedDict):
    given: str
    items: list[ItemDetail]


# --- pull, update and push: the results of their operations (the final NDJSON event) -----------


class PulledItem(TypedDict):
    """One item of a pull or update; empty values are left out."""

    item: str
    status: PullStatus
    kind: PullKind
    local_url: NotRequired[str]
    remote_url: NotRequired[str]
    reason: NotRequired[str]
    bytes: int


class Transfers(TypedDict):
    records_created: int
    files_downloaded: int
    bytes_downloaded: int
    remote_requests: dict[str, int]  # by HTTP method
    remote_request_total: int


class Pulled(Transfers):
    remote: str | None
    ok: bool
    items: list[PulledItem]
    counts: dict[str, int]  # items by status


class Updated(Transfers):
    dry_run: bool
    ok: bool
    checked: int  # pulled data products compared with their remotes
    changes: list[PulledItem]


@final
class RemoteCheck(CheckOut):
    remote: str


@final
class NeverChecked(TypedDict):
    remote: str  # a check that failed before the journal recorded it


class CheckedNow(TypedDict):
    """`update --check`: each remote checked now (never pulling)."""

    ok: bool
    available: int
    checks: list[RemoteCheck | NeverChecked]


class PushedItem(TypedDict):
    item: str
    status: SyncStatus
    local_url: str | None
    remote_url: str | None
    reason: str


class PushPlan(TypedDict):
    """What a push would send (a dry run)."""

    files: list[dict[str, Any]]  # the files it would publish: file, sha1, size, is (roles)
    records_to_check: int  # records the remote is not yet known to have
    exposed_paths: list[dict[str, Any]]  # paths its working configs and scripts show


class Pushed(TypedDict):
    remote: str
    remote_url: str
    dry_run: bool
    ok: NotRequired[bool]
    message: NotRequired[str]  # nothing was committed
    items: list[PushedItem]
    records_created: int
    records_patched: int
    records_on_remote: NotRequired[int]  # the pushed items' records the remote now holds
    files_transferred: int
    bytes_transferred: int
    remote_requests: dict[str, int]
    journal_items_pushed: int
    files: list[dict[str, Any]]  # a dry run: the files it would publish
    records_to_check: NotRequired[int]
    exposed_paths: NotRequired[list[dict[str, Any]]]


# --- run and working-config ---------------------------------------------------------------------


class WorkingConfigOut(TypedDict):
    """A working config generated for a language API to run (`POST /v1/working-config`)."""

    job: str | None  # null: no job folder was made
    job_folder: str
    job_folder_created: bool
    config_path: str
    script_path: str
    working_config: str  # the YAML text
    warnings: list[str]
    argv: list[str]
    cwd: str


class ReadInputOut(TypedDict):
    alias: str
    namespace: str
    name: str
    version: str
    data_product: str
    file: str
    hash: str


@final  # told apart from RunResult by its `dry_run` key
class RunDryRun(TypedDict):
    dry_run: bool  # true
    job_folder: str
    job_folder_created: bool
    working_config: str
    environment: dict[str, str]  # the FDP_* variables the script would get
    argv: list[str]
    cwd: str
    inputs: list[ReadInputOut]
    warnings: list[str]


class RunOutputOut(TypedDict):
    item: str  # ns:name@version
    file: str | None  # in the data store
    code_run: str | None


class RunInput(TypedDict):
    item: str
    file: str


class RunMade(TypedDict):
    items: int  # code runs and data products it made
    records: int  # the registry records behind them
    outputs: list[RunOutputOut]


@final
class RunResult(RunMade):
    """The result of a `run` operation."""

    job: str
    state: JobState
    exit_status: int | None
    ok: bool  # false: the model failed (fdpctl exits 4)
    job_folder: str
    code_runs: list[str]
    warnings: list[str]
    inputs: list[RunInput]
    next: str  # the command to run next ("" when there is nothing to commit)
    records_pending: bool  # the registry could not be read after the script: recorded later


class ArrayTaskResult(TypedDict, total=False):
    task: int
    job: str
    state: str  # the job's (JobState), or `refused` when fdpd did not run it
    exit_status: int | None
    code_runs: list[str]
    error: str


@final
class ArrayResult(TypedDict):
    """The result of an array's `run` operation (`run --array`)."""

    array: str
    tasks: list[ArrayTaskResult]
    counts: dict[str, int]  # by task state
    ok: bool
    exit_status: int
    next: str


@final
class RunDetached(TypedDict):
    """fdpctl's own result of `run --detach` (never sent by fdpd): the job went to a batch
    system, and fdpd follows it."""

    detached: bool  # true
    operation: int | None
    job: str | None
    slurm_job: str | None


# `fdpctl rerun` (docs/commands/rerun.md)


class RerunRecord(TypedDict):
    """A rerun as the journal keeps it: `GET /v1/reruns`."""

    job: str
    code_run: str  # the uuid of the code run run again
    given: str
    username: str
    started: str
    ended: str | None
    verdict: str  # running, identical, differs, failed
    identical: int
    outputs: int
    kept: bool
    new_code_run: str | None  # the rerun's own code run, with --keep


class RerunList(TypedDict):
    reruns: list[RerunRecord]


class RerunDifference(TypedDict):
    """One output that did not come out the same."""

    output: str  # namespace:name (the version differs between the runs by design)
    original: str | None  # namespace:name@version of the original output (None: new)
    rerun: str | None  # the rerun's (None: the rerun did not make it)
    original_size: int | None
    rerun_size: int | None
    original_hash: str | None
    rerun_hash: str | None
    line: int | None  # the first differing line of a text file (1-based)
    original_line: str | None
    rerun_line: str | None


@final
class RerunResult(TypedDict):
    """The result of a `rerun` operation."""

    job: str
    code_run: str  # the uuid of the code run run again
    verdict: str  # identical, differs, failed
    reproduced: bool
    identical: int
    outputs: int
    differences: list[RerunDifference]
    code: str  # where the code came from (a worktree of a local repository, a clone, none)
    commit: str | None
    exit_status: int | None
    kept: bool
    new_code_run: str | None
    warnings: list[str]
