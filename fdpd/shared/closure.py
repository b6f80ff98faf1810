"""The provenance closure of roots in the local registry, with E's graph loader (one walk)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager

from fdpd.core.context import DaemonContext
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.remote.client import RegistryClient
from fdpd.remote.links import link_path
from fdpd.store.locations import local_path
from fdpd.sync.graph import GraphLoader, Node, RecordGraph, label_of
from fdpd.sync.push import private_reasons


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
    """Path → record type of the roots' closure in `graph`: local registry records only, without
    local storage roots (a push replaces them by the remote's data store, so they never reach a
    remote) and the roots push makes up."""
    return {
        key: graph[key].type
        for key in graph.closure(roots)
        if key.startswith("/api/") and not _local_root(graph, key)
    }


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


def components_of(graph: RecordGraph, object_key: str) -> Iterator[Node]:
    for node in graph.nodes.values():
        if node.type == "object_component" and node.record.get("object") == object_key:
            yield node


def runs_touching(graph: RecordGraph, product_key: str, side: str) -> list[str]:
    """Code runs that produced (`outputs_of`) or read (`inputs_of`) the product, as paths; the
    component records name them though the loader does not follow these reverse links."""
    object_key = graph[product_key].record.get("object") or ""
    runs: set[str] = set()
    for component in components_of(graph, object_key):
        for link in component.record.get(side) or []:
            if isinstance(link, str):
                runs.add(link_path(link))
    return sorted(runs)


async def add_producing_runs(
    local: RegistryClient, graph: RecordGraph, products: Iterable[str]
) -> dict[str, list[str]]:
    """Product path → the code runs that wrote it, loaded into `graph` with their own closure:
    a product's provenance, which committing the product commits too."""
    found = {product: runs_touching(graph, product, "outputs_of") for product in products}
    wanted = sorted({run for runs in found.values() for run in runs})
    if wanted:
        await GraphLoader(local, graph).load(wanted)
    return found


def held_back(graph: RecordGraph, runs: Iterable[str]) -> dict[str, str]:
    """The runs among `runs` that push keeps back (they use private data), with why."""
    private = private_reasons(graph)
    blocked = graph.dependents(private)
    held: dict[str, str] = {}
    for run in runs:
        if run in blocked:
            why = next((private[k] for k in sorted(graph.closure([run])) if k in private), "")
            held[run] = f"it uses private data: {why}" if why else "it depends on private data"
    return held
