"""`info TOKEN|PATH`: registry metadata, provenance, sync state and files of what was named.

One walk of the local registry with E's `GraphLoader`: the roots' closure, then the runs that
produced or read a named data product (the reverse links its components carry). Everything
shown is read from that graph and the journal; no record is fetched twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fdpd.base.wire import (
    AuthorView,
    FileView,
    Info,
    InfoItem,
    IssueView,
    NamedFile,
    ProductView,
    RunOutput,
    RunSummary,
    RunView,
)
from fdpd.core.context import DaemonContext
from fdpd.features.info.dot import render_dot
from fdpd.features.info.provenance import RUN_FILES, build_provenance, products_of_object
from fdpd.journal import Journal
from fdpd.journal.reruns import last_rerun
from fdpd.journal.views import item_and_job, job_view, rerun_view, sync_state
from fdpd.remote.client import RegistryClient
from fdpd.shared.closure import components_of, local_registry, runs_touching
from fdpd.shared.targets import Root, Target, named_job, resolve_target
from fdpd.store.locations import local_path, location_url
from fdpd.sync.graph import GraphLoader, RecordGraph, label_of
from fdpd.sync.push import private_reasons


async def inspect_target(
    ctx: DaemonContext, *, token: str | None, path: str | None, graph: bool = False
) -> Info:
    """Everything fdp knows of TOKEN|PATH; with `graph`, the provenance as DOT text too."""
    async with local_registry(ctx, "info") as local:
        target = await resolve_target(ctx.journal, local, token=token, path=path)
        records, runs = await _load(local, target)
    private = private_reasons(records)
    items = [_describe(ctx.journal, local, records, root, private) for root in target.roots]
    answer: Info = {"given": target.given, "items": items}
    job = named_job(ctx.journal, target)
    if job is not None:
        answer["job"] = job_view(job)
    if path is not None:
        answer["file"] = _named_file(Path(path), records, private)
    if graph:
        roots = {root.path for root in target.roots}
        prov = build_provenance(records, roots, runs)
        answer["graph"] = {
            "dot": render_dot(prov, roots, f"provenance of {target.given}"),
            "nodes": len(prov.nodes),
            "edges": len(prov.edges),
        }
    return answer


async def _load(local: RegistryClient, target: Target) -> tuple[RecordGraph, set[str]]:
    """The roots' closure, then the runs around each named data product (and their closure)."""
    graph = RecordGraph()
    loader = GraphLoader(local, graph)
    await loader.load(root.path for root in target.roots)
    runs = {root.path for root in target.roots if root.type == "code_run"}
    around = {
        run
        for root in target.roots
        if root.type == "data_product"
        for side in ("outputs_of", "inputs_of")
        for run in runs_touching(graph, root.path, side)
    }
    await loader.load(around)
    return graph, runs | around


def _describe(
    journal: Journal,
    local: RegistryClient,
    graph: RecordGraph,
    root: Root,
    private: Mapping[str, str],
) -> InfoItem:
    view: ProductView | RunView
    if root.type == "data_product":
        view = product_view(graph, root.path, private)
    else:
        view = run_view(journal, graph, root.path, private)
    rerun = last_rerun(journal, root.uuid) if root.type == "code_run" and root.uuid else None
    return {
        "item": root.label,
        "type": root.type,
        "path": root.path,
        "local_url": local.absolute(root.path),
        **sync_state(*item_and_job(journal, root.path)),
        **view,
        "last_rerun": rerun_view(rerun) if rerun else None,
    }


def product_view(graph: RecordGraph, key: str, private: Mapping[str, str]) -> ProductView:
    record = graph[key].record
    object_key = str(record.get("object") or "")
    obj = graph.nodes.get(object_key)
    namespace = graph.nodes.get(record.get("namespace") or "")
    return {
        "metadata": {
            "namespace": namespace.record.get("name") if namespace else None,
            "name": record.get("name"),
            "version": record.get("version"),
            "description": obj.record.get("description") if obj else None,
            "file_type": _file_type(graph, object_key),
            "last_updated": record.get("last_updated"),
            "authors": _authors(graph, object_key),
            "issues": _issues(graph, object_key),
        },
        "file": file_of(graph, object_key, private),
        "provenance": {
            "produced_by": [
                _run_summary(graph, run) for run in runs_touching(graph, key, "outputs_of")
            ],
            "used_by": [label_of(graph, run) for run in runs_touching(graph, key, "inputs_of")],
        },
    }


def run_view(journal: Journal, graph: RecordGraph, key: str, private: Mapping[str, str]) -> RunView:
    record = graph[key].record
    files = {
        role: file_of(graph, str(record.get(name) or ""), private)
        for name, role in RUN_FILES
        if record.get(name) in graph
    }
    outputs: list[RunOutput] = [
        {
            "item": label_of(graph, p),
            "path": p,
            **sync_state(*item_and_job(journal, p)),
            "file": file_of(graph, str(graph[p].record.get("object") or ""), private),
        }
        for p in _products_of_components(graph, record.get("outputs") or [])
    ]
    return {
        "metadata": {
            "uuid": record.get("uuid"),
            "run_date": record.get("run_date"),
            "description": record.get("description"),
            "files": files,
        },
        "provenance": _run_summary(graph, key),
        "outputs": outputs,
    }


def _run_summary(graph: RecordGraph, run: str) -> RunSummary:
    if run not in graph:
        return {"run": run}
    record = graph[run].record
    inputs = _products_of_components(graph, record.get("inputs") or [])
    outputs = _products_of_components(graph, record.get("outputs") or [])
    authors = sorted(
        {a["name"] for p in outputs for a in _authors(graph, str(graph[p].record["object"]))}
    )
    return {
        "run": label_of(graph, run),
        "run_date": record.get("run_date"),
        "inputs": [label_of(graph, p) for p in inputs],
        "outputs": [label_of(graph, p) for p in outputs],
        "authors": authors,
    }


def _products_of_components(graph: RecordGraph, components: list[str]) -> list[str]:
    products: list[str] = []
    for component in components:
        node = graph.nodes.get(component)
        object_key = node.record.get("object") if node else None
        if isinstance(object_key, str):
            products += [p for p in products_of_object(graph, object_key) if p not in products]
    return products


def file_of(graph: RecordGraph, object_key: str, private: Mapping[str, str]) -> FileView | None:
    """An object's file: where, its SHA-1, size and presence here, and whether push would
    publish it (`public`, with `private` saying why not: `private` is what
    `fdpd.sync.push.private_reasons` says of the graph)."""
    obj = graph.nodes.get(object_key)
    location = graph.nodes.get(obj.record.get("storage_location") or "") if obj else None
    if location is None:
        return None
    root = graph.nodes.get(location.record.get("storage_root") or "")
    where = location_url(
        str(root.record.get("root", "")) if root else "", str(location.record["path"])
    )
    path = local_path(where)
    size = path.stat().st_size if path is not None and path.is_file() else None
    # public exactly when push would publish the file
    why = private.get(object_key) or private.get(location.key)
    return {
        "location": where,
        "path": str(path) if path is not None else None,
        "present": path.is_file() if path is not None else None,
        "size": size,
        "hash": location.record.get("hash"),
        "public": why is None,
        "private": why,
    }


def _file_type(graph: RecordGraph, object_key: str) -> str | None:
    obj = graph.nodes.get(object_key)
    file_type = graph.nodes.get(obj.record.get("file_type") or "") if obj else None
    return str(file_type.record.get("name")) if file_type else None


def _authors(graph: RecordGraph, object_key: str) -> list[AuthorView]:
    obj = graph.nodes.get(object_key)
    if obj is None:
        return []
    return [
        {"name": graph[a].record.get("name"), "identifier": graph[a].record.get("identifier")}
        for a in obj.links(("authors",))
        if a in graph
    ]


def _issues(graph: RecordGraph, object_key: str) -> list[IssueView]:
    found: dict[str, IssueView] = {}
    for component in components_of(graph, object_key):
        for issue in component.links(("issues",)):
            if issue in graph:
                record = graph[issue].record
                found[issue] = {
                    "description": record.get("description"),
                    "severity": record.get("severity"),
                    "component": component.record.get("name"),
                }
    return list(found.values())


def _named_file(path: Path, graph: RecordGraph, private: Mapping[str, str]) -> NamedFile:
    """The file PATH named: its size, and the registry's view of it where a location matches."""
    given = path.resolve()
    for node in graph.nodes.values():
        if node.type == "object":
            found = file_of(graph, node.key, private)
            if found and found["path"] and Path(found["path"]).resolve() == given:
                return {
                    "path": str(given),
                    "size": found["size"],
                    "hash": found["hash"],
                    "public": found["public"],
                    "private": found["private"],
                }
    size = given.stat().st_size if given.is_file() else None
    return {"path": str(given), "size": size, "hash": None, "public": None}
