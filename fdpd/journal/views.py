"""The journal's rows as the daemon API shows them (`fdpd.base.wire`): one view of a job, a rerun, a
user, an item and an item's sync state, for every answer that carries them."""

from __future__ import annotations

from fdpd.base.wire import ItemState, JobItem, JobOut, JobState, RerunRecord, SyncState, UserOut
from fdpd.journal.database import Journal
from fdpd.journal.models import ITEM_LOCAL, FdpUser, Item, Job
from fdpd.journal.queries import get_item, get_job
from fdpd.journal.reruns import Rerun


def job_view(job: Job) -> JobOut:
    return {
        "id": job.id,
        "state": JobState(job.state),
        "exit_status": job.exit_status,
        "started": job.started,
        "ended": job.ended,
        "username": job.username,
        "config_file": job.config_file,
        "folder": job.folder,
        "operation": job.operation_id,
        "code_runs": job.code_runs,
        "records_pending": job.records_pending,
    }


def rerun_view(row: Rerun) -> RerunRecord:
    return {
        "job": row.job_id,
        "code_run": row.code_run,
        "given": row.given,
        "username": row.username,
        "started": row.started,
        "ended": row.ended,
        "verdict": row.verdict,
        "identical": row.identical,
        "outputs": row.outputs,
        "kept": row.kept,
        "new_code_run": row.new_code_run,
    }


def user_view(user: FdpUser) -> UserOut:
    """An fdp user: the token itself never leaves fdpd, only where it is kept."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "identifier": user.identifier,
        "namespace": user.namespace,
        "data_store": user.data_store,
        "token_file": user.token_file,
        "author_url": user.author_url,
        "author_uuid": user.author_uuid,
        "active": user.active,
        "configured": user.configured,
    }


def item_view(item: Item) -> JobItem:
    return {
        "path": item.path,
        "type": item.type,
        "job_id": item.job_id,
        "state": ItemState(item.state),
        "uuid": item.uuid,
        "remote": item.remote,
        "remote_url": item.remote_url,
        "synced": item.synced,
        "commit_root": item.commit_root,
        "label": item.label,
    }


def item_and_job(journal: Journal, path: str) -> tuple[Item | None, Job | None]:
    """The journal's item for a record, and the job that made it (None, None: not tracked)."""
    item = get_item(journal, path)
    return item, get_job(journal, item.job_id if item else None)


def sync_state(item: Item | None, job: Job | None) -> SyncState:
    """An item's place in the journal: `local` and untracked when the journal has no row."""
    return {
        "state": ItemState(item.state) if item else ITEM_LOCAL,
        "tracked": item is not None,
        "remote": item.remote if item else None,
        "remote_url": item.remote_url if item else None,
        "synced": item.synced if item else None,
        "job": job.id if job else None,
    }
