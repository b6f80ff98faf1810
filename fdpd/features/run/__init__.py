"""Jobs: job folders, the job's environment and process, pre-run checks, post-run records.

Entry points: `run_job` (the work of a `run` operation), `working_config` (generate, optionally
preparing a job folder), `ConfigSource`, `RunRequest`. Jobs' rows in the journal are
`fdpd.journal.jobs`'s.
"""

from fdpd.features.run.runner import OUTPUT_LEVEL, RunRequest, run_job, working_config
from fdpd.shared.job_preparation import ConfigSource, PreparedJob, prepare_job

__all__ = [
    "OUTPUT_LEVEL",
    "ConfigSource",
    "PreparedJob",
    "RunRequest",
    "prepare_job",
    "run_job",
    "working_config",
]
