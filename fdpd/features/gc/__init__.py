"""Removing things from the local registry and data store safely: `gc` and `delete`.

`collect_garbage` (gc) removes what a remote confirms it holds and nothing unsynced needs;
`delete_target` removes one item named by TOKEN|PATH with the records only it used. Both plan
over the whole local registry (`inventory`), choose a set nothing staying refers to
(`selection`), remove it through the registry's `POST /fdp/remove` in one transaction, then
record it in the journal (`removal` table; items leave `item`) and delete the files.
"""

from fdpd.features.gc.delete import delete_target
from fdpd.features.gc.gc import collect_garbage

__all__ = ["collect_garbage", "delete_target"]
