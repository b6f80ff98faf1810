"""`commit`, `uncommit` and `status TOKEN|PATH`: resolve what the user named, walk its closure in
the local registry, and change or show its state in the journal."""

from __future__ import annotations

import asyncio

from fdpd.core.context import DaemonContext
from fdpd.sync.graph import RecordGraph, label_of
from fdpd.tracking.closure import closure_of, item_labels, load_graph, local_registry
from fdpd.tracking.details import describe_root
from fdpd.tracking.states import Transition, commit, committed_roots, uncommit
from fdpd.tracking.targets import resolve_target
from fdpd.wire import Committed, ItemStatus


async def commit_target(
    ctx: DaemonContext, *, token: str | None, path: str | None, force: bool
) -> Committed:
    """Mark the roots TOKEN|PATH names, and everything they depend on, committed."""
    async with local_registry(ctx, "commit") as local:
        target = await resolve_target(ctx.journal, local, token=token, path=path)
        graph = await load_graph(local, [root.path for root in target.roots])
    labels = item_labels(graph)
    transitions = [
        await asyncio.to_thread(
            commit, ctx.journal, root, closure_of(graph, [root.path]), force=force, labels=labels
        )
        for root in target.roots
    ]
    return _answer(target.given, transitions)


async def uncommit_target(ctx: DaemonContext, *, token: str | None, path: str | None) -> Committed:
    """Take committed roots back to local; records other committed roots need stay committed."""
    async with local_registry(ctx, "uncommit") as local:
        target = await resolve_target(ctx.journal, local, token=token, path=path)
        named = {root.path for root in target.roots}
        others = [
            item.path
            for item in committed_roots(ctx.journal, named_only=True)
            if item.path not in named
        ]
        graph = await load_graph(local, [*named, *others])
    # Items named in commits of their own stay, even inside the closures taken back.
    keep = graph.closure(others)
    transitions = []
    for root in target.roots:
        needed_by = _needing(graph, root.path, others) if root.path in keep else None
        closure = closure_of(graph, [root.path])
        transitions.append(
            await asyncio.to_thread(uncommit, ctx.journal, root, closure, keep, needed_by)
        )
    return _answer(target.given, transitions)


def _needing(graph: RecordGraph, path: str, committed: list[str]) -> str:
    """How the user knows the first committed item whose closure holds `path`."""
    holder = next(other for other in committed if path in graph.closure([other]))
    return label_of(graph, holder)


async def describe_target(ctx: DaemonContext, *, token: str | None, path: str | None) -> ItemStatus:
    async with local_registry(ctx, "status") as local:
        target = await resolve_target(ctx.journal, local, token=token, path=path)
        items = [await describe_root(ctx.journal, local, root) for root in target.roots]
    return {"given": target.given, "items": items}


def _answer(given: str, transitions: list[Transition]) -> Committed:
    return {
        "given": given,
        "items": [
            {
                "item": t.root.label,
                "path": t.root.path,
                "type": t.root.type,
                "before": t.before,
                "after": t.after,
                "records_changed": t.changed,
                "items_changed": t.items_changed,
                "note": t.note,
            }
            for t in transitions
        ],
    }
