"""Pull orchestration for a user config: `register:` items, remote `read:` items, pull records,
and `update` of what was pulled (issue #5, pull side).

Entry points: `pull_config` (the work of a `pull` operation), `update_pulled` (of `update`),
`pulled_register_versions` (what `run`/`generate` need from the journal).
"""

from fdpd.features.pull.pull import PullRequest, pull_config
from fdpd.features.pull.update import UpdateRequest, update_pulled
from fdpd.shared.pull_records import pulled_register_versions

__all__ = [
    "PullRequest",
    "UpdateRequest",
    "pull_config",
    "pulled_register_versions",
    "update_pulled",
]
