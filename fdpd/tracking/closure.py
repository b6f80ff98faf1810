"""The provenance closure of roots in the local registry, with E's graph loader (one walk)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fdpd.core.context import DaemonContext
from fdpd.core.registry import registry_supervisor
from fdpd.remote.client import RegistryClient
from fdpd.store.locations import local_path
from fdpd.sync.graph import GraphLoader, RecordGraph, label_of


@asynccontextmanager
async def local_registry(ctx: DaemonContext, holder: str) -> AsyncIterator[RegistryClient]:
    """A client for fdpd's own registry, kept running for the block."""
    supervisor = registry_supervisor(ctx)
    async with (
        supervisor.held(holder),
        supervisor.client(supervisor.token) as client,
    ):
        yield client


async def load_graph(local: RegistryClient, roots: Iterable[str]) -> RecordGraph:
    """Every record the roots depend on or relate to, fetched once each."""
    graph = RecordGraph()
    await GraphLoader(local, graph).load(list(roots))
    return graph


def closure_of(graph: RecordGraph, roots: Iterable[str]) -> dict[str, str]:
    """Path → record type of the roots' closure in `graph`, without local storage roots (a
    push replaces them by the remote's data store, so they never reach a remote)."""
    return {key: graph[key].type for key in graph.closure(roots) if not _local_root(graph, key)}


def item_labels(graph: RecordGraph) -> dict[str, str]:
    """How `status` names the code runs and data products in `graph` (see `Item.label`)."""
    labels = {}
    for key, node in graph.nodes.items():
        if node.type == "data_product":
            labels[key] = label_of(graph, key)
        elif node.type == "code_run" and node.record.get("description"):
            labels[key] = str(node.record["description"])
    return labels


def _local_root(graph: RecordGraph, key: str) -> bool:
    node = graph[key]
    return node.type == "storage_root" and local_path(str(node.record.get("root", ""))) is not None
