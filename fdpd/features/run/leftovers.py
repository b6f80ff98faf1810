"""Files jobs left in the data store registered nowhere, removed so they do not fill the store.

pyDataPipeline writes an output to `<namespace>/<name>/dat-<random>.<ext>` and, in `finalise`,
renames it to `<sha1>.<ext>` and registers its storage location, then its object. A job that
fails before `finalise`, or whose `finalise` stops halfway, leaves a file that no object names;
gc and delete never find it, since they delete only files the registry records. When the last
job writing a folder ends, the files that appeared in it meanwhile are checked, and one that no
object's storage location names is removed, with any storage location made for it alone.

Only new entries directly in the jobs' output folders are looked at (a subfolder is another
product's). Symbolic links, hidden files (temporary files of writes in progress) and files named
as pull names them (`<version>.<ext>`, which pull registers itself) are left alone.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from fdpd.base.errors import FdpError
from fdpd.core.reservations import FolderEntries
from fdpd.local_registry.access import LocalRegistry
from fdpd.remote.links import link_id, link_path
from fdpd.store.locations import local_path
from fdpd.userconfig.semver import parse_version


async def remove_leftovers(
    registry: LocalRegistry, data_store: Path, folders: FolderEntries, admin_token: str
) -> list[str]:
    """Remove the files new in `folders` that the registry references from no object; one
    note per file removed (or kept, with why)."""
    notes: list[str] = []
    for folder, before in sorted(folders.items()):
        for path in await asyncio.to_thread(_new_files, folder, before):
            try:
                notes += await _remove_if_unregistered(registry, data_store, path, admin_token)
            except FdpError as error:
                notes.append(f"could not check {path} for registration: {error.message}")
    return notes


def _new_files(folder: Path, before: frozenset[str]) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(
        Path(entry.path)
        for entry in entries
        if entry.name not in before
        and not entry.name.startswith(".")
        and not _pull_name(entry.name)
        and entry.is_file(follow_symlinks=False)
    )


def _pull_name(name: str) -> bool:
    return parse_version(name) is not None or parse_version(name.rsplit(".", 1)[0]) is not None


async def _remove_if_unregistered(
    registry: LocalRegistry, data_store: Path, path: Path, admin_token: str
) -> list[str]:
    relative = path.relative_to(data_store).as_posix()
    locations = [
        location
        for location in await registry.list("storage_location", {"path": relative})
        if await _in_store(registry, location, data_store)
    ]
    for location in locations:
        if await registry.list("object", {"storage_location": str(link_id(location["url"]))}):
            return []  # registered
    made_for_it = [link_path(location["url"]) for location in locations]
    if made_for_it and not await registry.remove(made_for_it, admin_token):
        return [f"kept {path}: no object names it, but other records use its storage location"]
    await asyncio.to_thread(path.unlink, missing_ok=True)
    return [f"removed {path}: the job left it in the data store, and no registry object names it"]


async def _in_store(registry: LocalRegistry, location: dict[str, Any], data_store: Path) -> bool:
    root = local_path(str((await registry.record(location["storage_root"]))["root"]))
    return root is not None and os.path.realpath(root) == os.path.realpath(data_store)
