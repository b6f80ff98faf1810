"""Every error code fdpd answers, with its one HTTP status and what it means.

A code is the stable, machine-readable part of `{"error": {"code", "message", "hint"}}`; clients
(fdpctl, tests) match on it. `FdpError` takes its status from `CODE_TABLE`, so one code always
answers one status. A `StrEnum` member equals its string, so the wire format is the string.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    FAILED = "failed"
    USAGE = "usage"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"
    BAD_REQUEST = "bad_request"
    EXACTLY_ONE_OF = "exactly_one_of"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    FORBIDDEN_ORIGIN = "forbidden_origin"
    FORBIDDEN_HOST = "forbidden_host"
    HTTP_ERROR = "http_error"
    INTERNAL = "internal"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"
    NOT_RUNNING = "not_running"
    NOT_CANCELLABLE = "not_cancellable"
    AMBIGUOUS_JOB = "ambiguous_job"
    JOB_FOLDER = "job_folder"
    CANNOT_START = "cannot_start"
    NO_BATCH_SYSTEM = "no_batch_system"
    SCHEDULER_REFUSED = "scheduler_refused"
    NO_CONFIG = "no_config"
    INPUT_CHANGED = "input_changed"
    MISSING_INPUT = "missing_input"
    TOKEN_REFUSED = "token_refused"
    NO_ADMIN = "no_admin"
    NO_AUTHOR = "no_author"
    AUTHOR_LINK_FIXED = "author_link_fixed"
    NO_USER = "no_user"
    BAD_USERNAME = "bad_username"
    BAD_IDENTIFIER = "bad_identifier"
    TOKEN_MISSING = "token_missing"
    BAD_DATA_STORE = "bad_data_store"
    UNUSABLE_DATA_STORE = "unusable_data_store"
    REGISTRY_DOWN = "registry_down"
    REGISTRY_REFUSED = "registry_refused"
    REGISTRY_PORT_TAKEN = "registry_port_taken"
    NEEDS_FDP_REGISTRY = "needs_fdp_registry"
    JOURNAL_UNUSABLE = "journal_unusable"
    JOURNAL_TOO_NEW = "journal_too_new"
    NO_SCHEDULER = "no_scheduler"
    CHECK_FAILED = "check_failed"
    ALREADY_RUNNING = "already_running"
    BIND_FAILED = "bind_failed"
    REMOTE_REFUSED = "remote_refused"
    BAD_SETTINGS = "bad_settings"
    NO_REMOTE = "no_remote"
    REMOTE_EXISTS = "remote_exists"
    BAD_REMOTE_NAME = "bad_remote_name"
    BAD_REMOTE_URL = "bad_remote_url"
    TOKEN_FILE_INVALID = "token_file_invalid"
    TOKEN_FILE_NOT_PRIVATE = "token_file_not_private"
    REMOTE_MISMATCH = "remote_mismatch"
    REMOTE_UNCONFIRMED = "remote_unconfirmed"
    REMOTE_FAILED = "remote_failed"
    REMOTE_TOKEN_REJECTED = "remote_token_rejected"
    REMOTE_REJECTED = "remote_rejected"
    REMOTE_NOT_FOUND = "remote_not_found"
    REMOTE_UNREACHABLE = "remote_unreachable"
    SOURCE_DOWNLOAD_FAILED = "source_download_failed"
    VERSION_EXISTS = "version_exists"
    VERSION_LATEST_DIFFERS = "version_latest_differs"
    BAD_VERSION = "bad_version"
    SYNC_CONFLICT = "sync_conflict"
    INCOMPLETE_ON_REMOTE = "incomplete_on_remote"
    TRANSFER_FAILED = "transfer_failed"
    HASH_MISMATCH = "hash_mismatch"
    LOCAL_SOURCE_REFUSED = "local_source_refused"
    DEPENDED_UPON = "depended_upon"
    UNSYNCED_ITEM = "unsynced_item"
    FAILED_ITEM = "failed_item"
    BAD_TOKEN = "bad_token"
    NO_SUCH_ITEM = "no_such_item"
    AMBIGUOUS_TOKEN = "ambiguous_token"
    JOB_WITHOUT_RUNS = "job_without_runs"
    UNREADABLE_FILE = "unreadable_file"
    FILE_NOT_FOUND = "file_not_found"
    FILE_NOT_TEXT = "file_not_text"
    NOT_A_REGULAR_FILE = "not_a_regular_file"
    FILE_TOO_LARGE = "file_too_large"
    FILE_READ_TIMEOUT = "file_read_timeout"
    FILE_UNREADABLE = "file_unreadable"
    UNSAFE_PATH = "unsafe_path"
    STORE_WRITE_FAILED = "store_write_failed"
    INVALID_CONFIG = "invalid_config"
    GIT_MISSING = "git_missing"
    GIT_FAILED = "git_failed"
    DIRTY_WORK_TREE = "dirty_work_tree"
    NO_RECORDED_RUN = "no_recorded_run"
    RECORD_INCOMPLETE = "record_incomplete"
    NO_CODE_RELEASE = "no_code_release"
    COMMIT_UNAVAILABLE = "commit_unavailable"


# code -> (HTTP status, meaning)
CODE_TABLE: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.FAILED: (400, "an operation failed; the message says what and where"),
    ErrorCode.USAGE: (400, "a command line that is wrong: a value or a combination of options"),
    ErrorCode.NOT_FOUND: (404, "no such item, job, operation, user or remote"),
    ErrorCode.CONFLICT: (409, "the request conflicts with what exists"),
    ErrorCode.UNAVAILABLE: (503, "something fdpd needs cannot be reached"),
    ErrorCode.BAD_REQUEST: (
        400,
        "invalid JSON, parameters or path in a request (FastAPI's validation errors included)",
    ),
    ErrorCode.EXACTLY_ONE_OF: (
        422,
        "a request gave both or neither of two fields of which exactly one is wanted",
    ),
    ErrorCode.METHOD_NOT_ALLOWED: (405, "the route does not accept this HTTP method"),
    ErrorCode.UNAUTHORIZED: (401, "TCP only: missing or wrong bearer token"),
    ErrorCode.FORBIDDEN: (403, "the request is refused"),
    ErrorCode.FORBIDDEN_ORIGIN: (403, "the request came from a web page (it has an Origin header)"),
    ErrorCode.FORBIDDEN_HOST: (
        403,
        "the Host header does not name this machine's loopback address",
    ),
    ErrorCode.HTTP_ERROR: (
        400,
        "another HTTP error from the web framework (it answers with its own status)",
    ),
    ErrorCode.INTERNAL: (500, "fdpd hit an unexpected error; the log has the traceback"),
    ErrorCode.INTERRUPTED: (
        503,
        "fdpd stopped before the operation finished (an operation record's error)",
    ),
    ErrorCode.CANCELLED: (409, "the operation was cancelled (an operation record's error)"),
    ErrorCode.NOT_RUNNING: (409, "the operation has already ended"),
    ErrorCode.NOT_CANCELLABLE: (409, "the operation or job cannot be cancelled"),
    ErrorCode.AMBIGUOUS_JOB: (400, "a job id prefix matches several jobs"),
    ErrorCode.JOB_FOLDER: (400, "no job folder can be made"),
    ErrorCode.CANNOT_START: (400, "a job's script cannot be started"),
    ErrorCode.NO_BATCH_SYSTEM: (
        400,
        "the batch system (job scheduler) a run asks for is unknown or not installed",
    ),
    ErrorCode.SCHEDULER_REFUSED: (
        400,
        "the job scheduler refused the job (a partition, account or option it does not know)",
    ),
    ErrorCode.NO_CONFIG: (400, "the config file a run names is missing or unreadable"),
    ErrorCode.INPUT_CHANGED: (400, "a run's input changed while the run prepared"),
    ErrorCode.MISSING_INPUT: (409, "a run reads a data product the local registry does not have"),
    ErrorCode.TOKEN_REFUSED: (400, "the local registry does not accept the user's token"),
    ErrorCode.NO_ADMIN: (
        503,
        "the local registry has no user `admin` (the language APIs look it up)",
    ),
    ErrorCode.NO_AUTHOR: (
        400,
        "the registry's `admin` user cannot be pointed at the user's author",
    ),
    ErrorCode.AUTHOR_LINK_FIXED: (
        409,
        "another registry's `admin` user links another author and cannot be re-pointed",
    ),
    ErrorCode.NO_USER: (409, "no fdp user is set up yet"),
    ErrorCode.BAD_USERNAME: (400, "a username fdp cannot use"),
    ErrorCode.BAD_IDENTIFIER: (400, "an author identifier (ORCID, ROR, ...) fdp cannot use"),
    ErrorCode.TOKEN_MISSING: (400, "the user's registry token file is missing"),
    ErrorCode.BAD_DATA_STORE: (
        400,
        "a folder asked for as a data store breaks the data store rules",
    ),
    ErrorCode.UNUSABLE_DATA_STORE: (
        409,
        "a user's existing data store breaks the data store rules",
    ),
    ErrorCode.REGISTRY_DOWN: (503, "the local registry does not answer"),
    ErrorCode.REGISTRY_REFUSED: (503, "the local registry answered with an unexpected status"),
    ErrorCode.REGISTRY_PORT_TAKEN: (503, "another program holds the local registry's port"),
    ErrorCode.NEEDS_FDP_REGISTRY: (409, "the operation needs fdp's own registry, not another one"),
    ErrorCode.JOURNAL_UNUSABLE: (500, "fdpd's journal cannot be opened or used"),
    ErrorCode.JOURNAL_TOO_NEW: (500, "fdpd's journal was written by a newer fdpd"),
    ErrorCode.NO_SCHEDULER: (
        503,
        "no scheduler (systemd, launchd) is available for scheduled jobs",
    ),
    ErrorCode.CHECK_FAILED: (400, "fdpd's self-check found a problem"),
    ErrorCode.ALREADY_RUNNING: (409, "another fdpd already serves this user"),
    ErrorCode.BIND_FAILED: (400, "fdpd cannot listen on an address"),
    ErrorCode.REMOTE_REFUSED: (400, "a listen address that is not local was refused"),
    ErrorCode.BAD_SETTINGS: (400, "fdpd's settings file has an error"),
    ErrorCode.NO_REMOTE: (404, "no remote of that name is configured"),
    ErrorCode.REMOTE_EXISTS: (409, "a remote of that name exists already"),
    ErrorCode.BAD_REMOTE_NAME: (400, "a remote name fdp cannot use"),
    ErrorCode.BAD_REMOTE_URL: (400, "a remote URL fdp cannot use"),
    ErrorCode.TOKEN_FILE_INVALID: (400, "a remote's token file cannot be read as a token"),
    ErrorCode.TOKEN_FILE_NOT_PRIVATE: (400, "a remote's token file can be read by other users"),
    ErrorCode.REMOTE_MISMATCH: (400, "a pull's config names another remote than the one asked for"),
    ErrorCode.REMOTE_UNCONFIRMED: (503, "gc cannot confirm a remote holds an item, so keeps it"),
    ErrorCode.REMOTE_FAILED: (502, "a remote registry answered wrongly"),
    ErrorCode.REMOTE_TOKEN_REJECTED: (502, "a remote registry refused fdp's token"),
    ErrorCode.REMOTE_REJECTED: (502, "a remote registry refused a record"),
    ErrorCode.REMOTE_NOT_FOUND: (404, "a remote registry has no such record"),
    ErrorCode.REMOTE_UNREACHABLE: (503, "a remote registry cannot be reached"),
    ErrorCode.SOURCE_DOWNLOAD_FAILED: (502, "a pull's source file could not be downloaded"),
    ErrorCode.VERSION_EXISTS: (409, "a version that exists already with other content"),
    ErrorCode.VERSION_LATEST_DIFFERS: (
        409,
        "the latest version's file differs from the one pulled",
    ),
    ErrorCode.BAD_VERSION: (400, "a version or bump token fdp cannot use"),
    ErrorCode.SYNC_CONFLICT: (409, "the remote holds another record under the same name"),
    ErrorCode.INCOMPLETE_ON_REMOTE: (409, "the remote holds part of an item only"),
    ErrorCode.TRANSFER_FAILED: (400, "a file transfer to or from a remote failed"),
    ErrorCode.HASH_MISMATCH: (400, "a transferred file's hash differs from the recorded one"),
    ErrorCode.LOCAL_SOURCE_REFUSED: (400, "a transfer's local source file was refused"),
    ErrorCode.DEPENDED_UPON: (409, "other items depend on the item to delete"),
    ErrorCode.UNSYNCED_ITEM: (409, "the item to delete is not on any remote"),
    ErrorCode.FAILED_ITEM: (409, "the item is from a failed run"),
    ErrorCode.BAD_TOKEN: (400, "an item token that is not namespace:name@version"),
    ErrorCode.NO_SUCH_ITEM: (404, "no item matches the token or path"),
    ErrorCode.AMBIGUOUS_TOKEN: (409, "an item token matches several items"),
    ErrorCode.JOB_WITHOUT_RUNS: (400, "the job has no runs to name an item by"),
    ErrorCode.UNREADABLE_FILE: (400, "a file a request names cannot be read"),
    ErrorCode.FILE_NOT_FOUND: (400, "a file a request names does not exist"),
    ErrorCode.FILE_NOT_TEXT: (400, "a file a request names is not UTF-8 text"),
    ErrorCode.NOT_A_REGULAR_FILE: (
        400,
        "a path a request names is not a regular file (a FIFO, device, folder...)",
    ),
    ErrorCode.FILE_TOO_LARGE: (400, "a file a request names is over its size cap"),
    ErrorCode.FILE_READ_TIMEOUT: (400, "reading a file took too long (its file system stalls)"),
    ErrorCode.FILE_UNREADABLE: (
        400,
        "a file a request names cannot be read (permissions, I/O error)",
    ),
    ErrorCode.UNSAFE_PATH: (422, "a path that would leave the data store"),
    ErrorCode.STORE_WRITE_FAILED: (507, "a file could not be written to the data store"),
    ErrorCode.INVALID_CONFIG: (422, "a config file has errors"),
    ErrorCode.GIT_MISSING: (400, "git is not installed"),
    ErrorCode.GIT_FAILED: (400, "a git command failed in the model's repository"),
    ErrorCode.DIRTY_WORK_TREE: (
        409,
        "the model's repository has uncommitted changes (run with --dirty to allow it)",
    ),
    ErrorCode.NO_RECORDED_RUN: (404, "rerun: no code run in the local registry made the item"),
    ErrorCode.RECORD_INCOMPLETE: (
        409,
        "rerun: the code run's working config or script is not in the local registry or store",
    ),
    ErrorCode.NO_CODE_RELEASE: (
        409,
        "rerun: the code run records no code repo release (--script-only runs the script alone)",
    ),
    ErrorCode.COMMIT_UNAVAILABLE: (
        409,
        "rerun: the recorded commit is in neither the local repository nor the recorded URL",
    ),
}


def status_of(code: ErrorCode) -> int:
    """The HTTP status fdpd answers `code` with."""
    return CODE_TABLE[code][0]
