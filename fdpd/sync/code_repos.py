"""Code repositories nobody else can fetch, as push sends them: never a path of this machine.

A run's code repository is a storage location (root + path, hash = the commit). One recorded as
`no-remote://none/<folder>` (`fdpd.store.code_repos`, under whatever root a language API put in
front of it), or naming a path of the user's machine (a run recorded before fdp knew better, or
by a registry client of the user's own), is sent as root `no-remote://none/` and path
`<folder>`: the same words wherever it is read.
"""

from __future__ import annotations

from pathlib import PurePath

from fdpd.store.code_repos import NO_REMOTE_ROOT, names_machine_path, no_remote_folder
from fdpd.store.locations import local_path, location_url
from fdpd.sync.graph import Node, RecordGraph

NO_REMOTE_ROOT_KEY = "synthetic:storage_root:no-remote"


def hide_machine_paths(graph: RecordGraph) -> list[str]:
    """Point every code repository location of a run in `graph` that records no remote, or a
    path of this machine, at the root `no-remote://none/` with the folder's name as path. The
    locations that named a path of this machine (callers say so)."""
    named_paths: list[str] = []
    for run in [node for node in graph.nodes.values() if node.type == "code_run"]:
        location = _code_repo_location(graph, run)
        if location is None:
            continue
        root = graph.nodes.get(location.record.get("storage_root") or "")
        path = str(location.record.get("path") or "")
        full = location_url(str(root.record.get("root", "")) if root else "", path)
        name = no_remote_folder(full)
        if name is not None:
            if root is not None and root.record.get("root") == NO_REMOTE_ROOT:
                continue  # recorded as push sends it (rDataPipeline)
        elif names_machine_path(path) or names_machine_path(full):
            name = _folder_name(full)
            named_paths.append(full)
        else:
            continue
        graph.add_new(
            Node(NO_REMOTE_ROOT_KEY, "storage_root", {"root": NO_REMOTE_ROOT, "local": False})
        )
        location.record = {
            **location.record,
            "path": name or "project",
            "storage_root": NO_REMOTE_ROOT_KEY,
        }
    return named_paths


def _code_repo_location(graph: RecordGraph, run: Node) -> Node | None:
    obj = graph.nodes.get(run.record.get("code_repo") or "")
    if obj is None or obj.type != "object":
        return None
    location = graph.nodes.get(obj.record.get("storage_location") or "")
    return location if location is not None and location.type == "storage_location" else None


def _folder_name(full: str) -> str:
    start = full.lower().find("file:")
    machine = local_path(full[start:]) if start >= 0 else None
    return (machine or PurePath(full)).name
