"""Which records may go: candidates shrunk until nothing that stays refers to one that goes.

An object goes or stays with its parts (components, data products, key_values…), so a record
that must stay keeps its whole unit; whatever a staying record refers to stays too. The result
is a set the registry's `POST /fdp/remove` accepts (it checks the same rule again, atomically).
"""

from __future__ import annotations

from collections.abc import Iterable

from fdpd.features.gc.inventory import VOCABULARY, Inventory


def removable(
    inventory: Inventory, candidates: Iterable[str], keep: Iterable[str] = ()
) -> set[str]:
    """The largest subset of `candidates` that can go while everything else stays."""
    chosen = {
        key
        for key in candidates
        if key in inventory.nodes and inventory.nodes[key].type not in VOCABULARY
    }
    pending = [key for key in keep if key in chosen]
    pending += [key for key in chosen if _referred_from_outside(inventory, key, chosen)]
    while pending:
        key = pending.pop()
        if key not in chosen:
            continue
        for member in inventory.unit(key) & chosen:
            chosen.discard(member)
            # What a staying record refers to must stay as well.
            pending.extend(target for target in inventory.references(member) if target in chosen)
    return chosen


def _referred_from_outside(inventory: Inventory, key: str, chosen: set[str]) -> bool:
    return any(referrer not in chosen for referrer in inventory.referrers.get(key, ()))


def blockers(inventory: Inventory, wanted: Iterable[str], chosen: set[str]) -> set[str]:
    """Records outside `chosen` that refer to a wanted record (or its unit) left out of it.

    An issue is not one: it is attached to components (its link is the attachment) and stays or
    goes with them, so the user cannot delete it first."""
    found: set[str] = set()
    for key in wanted:
        for member in inventory.unit(key):
            if member in chosen:
                continue
            found |= {
                r
                for r in inventory.referrers.get(member, ())
                if r not in chosen and inventory.nodes[r].type != "issue"
            }
    return found - set().union(*(inventory.unit(key) for key in wanted))
