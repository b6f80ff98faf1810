"""What fdp tracks of the local registry for sync: TOKEN|PATH → records, their provenance
closure, and their journal states (local → committed → pushed); `commit`, `uncommit`, `push`,
`status`."""

from fdpd.features.push.commits import commit_target, describe_target, uncommit_target
from fdpd.features.push.pushing import push_committed
from fdpd.shared.item_states import StateCounts, state_counts
from fdpd.shared.targets import Root, Target, resolve_target

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
