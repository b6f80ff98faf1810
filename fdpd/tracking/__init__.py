"""What fdp tracks of the local registry for sync: TOKEN|PATH → records, their provenance
closure, and their journal states (local → committed → pushed); `commit`, `uncommit`, `push`,
`status`."""

from fdpd.tracking.commits import commit_target, describe_target, uncommit_target
from fdpd.tracking.pushing import push_committed
from fdpd.tracking.states import StateCounts, state_counts
from fdpd.tracking.targets import Root, Target, resolve_target

__all__ = [
    "Root",
    "StateCounts",
    "Target",
    "commit_target",
    "describe_target",
    "push_committed",
    "resolve_target",
    "state_counts",
    "uncommit_target",
]
