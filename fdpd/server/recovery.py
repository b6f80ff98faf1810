"""What an fdpd that ended without shutting down (SIGKILL, crash, power loss) left behind, put
right by the next fdpd at start-up, before it serves anything.

- operations still `running` in the journal → interrupted (run the command again);
- jobs still `running` → interrupted, and their scripts' process groups stopped (a script runs
  in a session of its own, so it outlives fdpd); but a SLURM job (its `slurm/following` in the
  job folder) stays running, for `fdpd.features.run.executors.adoption` to follow once fdpd serves;
- temporary download files (`.*.part`) in the users' data stores → removed (a killed download
  never got to delete its own). A store that breaks the data store rules (say `/`, set up before
  those rules existed) is not walked: that could take the whole disk.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fdpd.base.atomic import remove_partial_files
from fdpd.base.data_store_rules import unsafe_data_store_reason
from fdpd.base.paths import Locations
from fdpd.journal import Journal
from fdpd.journal.jobs import interrupt_orphaned_jobs
from fdpd.journal.models import Job

log = logging.getLogger(__name__)


def recover_after_crash(journal: Journal, locations: Locations) -> None:
    interrupted = journal.interrupt_unfinished()
    if interrupted:
        log.warning("%d operation(s) from an earlier fdpd were left unfinished", interrupted)
    for job in interrupt_orphaned_jobs(journal, live_operations=(), keep=_on_cluster):
        # the job machinery only when a job needs stopping: fdpd starts sooner without it
        from fdpd.features.run.orphans import stop_job_processes

        log.warning("job %s ran under an earlier fdpd: recorded as interrupted", job.id)
        stop_job_processes(job.folder)
    if interrupted:
        _remove_partial_downloads(journal, locations)


def _remove_partial_downloads(journal: Journal, locations: Locations) -> None:
    from fdpd.shared.fdp_users import list_users  # imports the registry client: only after a crash

    for user in list_users(journal):
        store = Path(user.data_store)
        unsafe = unsafe_data_store_reason(store, locations)
        if unsafe is not None:
            log.warning("not looking for partial downloads in %s: %s", store, unsafe)
        elif store.is_dir():
            for path in remove_partial_files(store):
                log.warning("removed %s, left by an interrupted download", path)


def _on_cluster(job: Job) -> bool:
    """Whether SLURM runs the job on (the next fdpd adopts it:
    `fdpd.features.run.executors.adoption`)."""
    from fdpd.features.run.executors.slurm import followed_job

    return followed_job(job.folder) is not None
