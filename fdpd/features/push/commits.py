"""`commit`, `uncommit` and `status TOKEN|PATH`: resolve what the user named, walk its closure in
the local registry, and change or show its state in the journal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from fdpd.base.wire import CommitChange, Committed, ItemState, ItemStatus
from fdpd.core.context import DaemonContext
from fdpd.features.push.details import describe_root
from fdpd.journal import Journal
from fdpd.journal.models import ITEM_COMMITTED, ITEM_FAILED, ITEM_LOCAL, ROOT_TYPES
from fdpd.journal.queries import tracked_items
from fdpd.remote.client import RegistryClient
from fdpd.shared.closure import (
    add_producing_runs,
    closure_of,
    held_back,
    item_labels,
    load_graph,
    local_registry,
)
from fdpd.shared.item_states import Transition, commit, committed_roots, item_type, uncommit
from fdpd.shared.targets import Root, resolve_target
from fdpd.sync.code_repos import hide_machine_paths
from fdpd.sync.graph import RecordGraph, label_of


async def commit_target(
    ctx: DaemonContext,
    *,
    token: str | None,
    path: str | None,
    force: bool,
    dry_run: bool = False,
) -> Committed:
    """Mark the roots TOKEN|PATH names, and everything they depend on, committed. A data
    product's provenance is the code run that wrote it, so that run is committed with it (with
    its own closure), unless push would keep the run back: it uses private data."""
    async with local_registry(ctx, "commit") as local:
        target = await resolve_target(ctx.journal, local, token=token, path=path)
        plan = await plan_commit(local, [root.path for root in target.roots])
    graph, made_by, held = plan.graph, plan.made_by, plan.held
    labels = item_labels(graph)
    changes = []
    for root in target.roots:
        runs = plan.runs(root.path)
        closure = plan.closure(root.path)
        if dry_run:
            transition = await asyncio.to_thread(planned_commit, ctx.journal, root, closure)
        else:
            transition = await asyncio.to_thread(
                commit, ctx.journal, root, closure, force=force, labels=labels
            )
        kept = [
            f"{label_of(graph, run)}: {held[run]}"
            for run in made_by.get(root.path, [])
            if run in held
        ]
        changes.append(_change(transition, [label_of(graph, run) for run in runs], kept))
    return {"given": target.given, "items": changes, "dry_run": dry_run}


@dataclass(frozen=True)
class CommitPlan:
    """What committing some roots takes: their graph (machine paths hidden, as push sends it),
    each data product's producing runs, and the runs push keeps back (private data)."""

    graph: RecordGraph
    made_by: dict[str, list[str]]
    held: dict[str, str]

    def runs(self, root: str) -> list[str]:
        """The producing runs committed with `root` (none for a code run)."""
        return [run for run in self.made_by.get(root, []) if run not in self.held]

    def closure(self, root: str) -> dict[str, str]:
        """Path → record type of what committing `root` marks (fdpd.features.push.counting)."""
        return closure_of(self.graph, [root, *self.runs(root)])


async def plan_commit(local: RegistryClient, roots: Sequence[str]) -> CommitPlan:
    graph = await load_graph(local, roots)
    products = [root for root in roots if item_type(root) == "data_product"]
    made_by = await add_producing_runs(local, graph, products)
    hide_machine_paths(graph)  # closures are then what push sends
    held = held_back(graph, {run for runs in made_by.values() for run in runs})
    return CommitPlan(graph, made_by, held)


async def uncommit_target(ctx: DaemonContext, *, token: str | None, path: str | None) -> Committed:
    """Take committed roots back to local; records other committed roots need stay committed.
    A data product takes back the code run that wrote it, as its commit committed it."""
    async with local_registry(ctx, "uncommit") as local:
        target = await resolve_target(ctx.journal, local, token=token, path=path)
        named = {root.path for root in target.roots}
        others = [
            item.path
            for item in committed_roots(ctx.journal, named_only=True)
            if item.path not in named
        ]
        graph = await load_graph(local, [*named, *others])
        products = [key for key in [*named, *others] if graph[key].type == "data_product"]
        made_by = await add_producing_runs(local, graph, products)
    hide_machine_paths(graph)
    held = held_back(graph, {run for runs in made_by.values() for run in runs})

    def with_runs(keys: list[str]) -> list[str]:
        return [*keys, *(r for key in keys for r in made_by.get(key, []) if r not in held)]

    # Items named in commits of their own stay, even inside the closures taken back.
    keep = graph.closure(with_runs(others))
    changes = []
    for root in target.roots:
        needed_by = _needing(graph, root.path, with_runs, others) if root.path in keep else None
        closure = closure_of(graph, with_runs([root.path]))
        transition = await asyncio.to_thread(uncommit, ctx.journal, root, closure, keep, needed_by)
        changes.append(_change(transition, [], []))
    return {"given": target.given, "items": changes, "dry_run": False}


def planned_commit(journal: Journal, root: Root, closure: Mapping[str, str]) -> Transition:
    """What `commit` would do to the root and its closure (`commit --dry-run`), changing
    nothing."""
    items = tracked_items(journal)
    states = {
        path: ItemState(items[path].state) if path in items else ITEM_LOCAL for path in closure
    }
    changing = [path for path, state in states.items() if state in (ITEM_LOCAL, ITEM_FAILED)]
    before = states.get(root.path, ITEM_LOCAL)
    after = ITEM_COMMITTED if before in (ITEM_LOCAL, ITEM_FAILED) else before
    note = "" if after == ITEM_COMMITTED and before != ITEM_COMMITTED else f"already {before}"
    counted = sum(1 for path in changing if closure[path] in ROOT_TYPES)
    return Transition(root, before, after, len(changing), note, counted)


def _needing(
    graph: RecordGraph, path: str, with_runs: Callable[[list[str]], list[str]], committed: list[str]
) -> str:
    """How the user knows the first committed item whose closure holds `path`."""
    holder = next(other for other in committed if path in graph.closure(with_runs([other])))
    return label_of(graph, holder)


async def describe_target(ctx: DaemonContext, *, token: str | None, path: str | None) -> ItemStatus:
    async with local_registry(ctx, "status") as local:
        target = await resolve_target(ctx.journal, local, token=token, path=path)
        items = [await describe_root(ctx.journal, local, root) for root in target.roots]
    return {"given": target.given, "items": items}


def _change(t: Transition, runs: list[str], held: list[str]) -> CommitChange:
    return {
        "item": t.root.label,
        "path": t.root.path,
        "type": t.root.type,
        "before": t.before,
        "after": t.after,
        "records_changed": t.changed,
        "items_changed": t.items_changed,
        "note": t.note,
        "with_runs": runs,
        "held_back": held,
    }
