"""Files of storage locations in the local data store(s): where they are, who may see them,
and deleting them.

Only files the local registry records, inside the data store of a user set up here (after
following symbolic links), are ever deleted; nothing walks a folder. A data store that fails
today's rules (`fdpd.base.data_store_rules`: `/`, a home or system folder…) holds nothing fdp
deletes. The functions touching files block: callers run them in a worker thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.data_store_rules import unsafe_data_store_reason
from fdpd.base.paths import Locations
from fdpd.features.gc.inventory import Inventory
from fdpd.journal import Journal
from fdpd.shared.fdp_users import list_users
from fdpd.store.locations import local_path, location_url


@dataclass(frozen=True)
class StoredFile:
    location: str  # local registry path of the storage location
    path: Path
    restricted: bool  # public: false, or an object of it has accessibility=private
    size: int
    store: Path  # the data store folder it is in


def data_stores(journal: Journal, locations: Locations) -> list[Path]:
    """The data store folders of every fdp user set up here that are safe to delete files in."""
    stores = [Path(user.data_store) for user in list_users(journal)]
    return [store for store in stores if unsafe_data_store_reason(store, locations) is None]


def stored_files(
    inventory: Inventory, locations: Iterable[str], stores: list[Path]
) -> list[StoredFile]:
    """The files inside a data store that `locations` name (others are not fdp's to delete)."""
    found: list[StoredFile] = []
    for location in sorted(locations):
        path = file_of(inventory, location)
        store = _store_of(path, stores) if path is not None else None
        if path is None or store is None or not path.is_file():
            continue
        restricted = is_restricted(inventory, location)
        found.append(StoredFile(location, path, restricted, path.stat().st_size, store))
    return found


def file_of(inventory: Inventory, location: str) -> Path | None:
    node = inventory.nodes.get(location)
    if node is None or node.type != "storage_location":
        return None
    root = inventory.nodes.get(str(node.record.get("storage_root")))
    if root is None:
        return None
    return local_path(location_url(str(root.record.get("root", "")), str(node.record["path"])))


def is_restricted(inventory: Inventory, location: str) -> bool:
    if inventory.nodes[location].record.get("public") is False:
        return True
    for referrer in inventory.referrers.get(location, ()):
        if inventory.nodes[referrer].type != "object":
            continue
        for part in inventory.parts.get(referrer, ()):
            record = inventory.nodes[part].record
            if inventory.nodes[part].type == "key_value" and _private(record):
                return True
    return False


def _private(record: dict[str, object]) -> bool:
    return str(record.get("key", "")).lower() == "accessibility" and (
        str(record.get("value", "")).lower() == "private"
    )


def without_staying_files(
    inventory: Inventory, files: Iterable[StoredFile], removed: set[str]
) -> list[StoredFile]:
    """`files` less those a storage location that stays also names."""
    staying = {
        file_of(inventory, node.key)
        for node in inventory.of_type("storage_location")
        if node.key not in removed
    }
    return [file for file in files if file.path not in staying]


def delete_files(files: Iterable[StoredFile]) -> list[str]:
    """Delete the files (and folders they leave empty inside their store); problems, worded."""
    problems: list[str] = []
    for file in files:
        try:
            file.path.unlink(missing_ok=True)
        except OSError as error:
            problems.append(f"cannot delete {file.path}: {error.strerror}")
            continue
        _remove_empty_folders(file.path.parent, file.store)
    return problems


def delete_job_folder(folder: Path, stores: list[Path]) -> str | None:
    """Remove a job's folder (`<data store>/jobs/<id>/`, nothing else); a problem, worded."""
    parent = os.path.realpath(folder.parent)
    if folder.is_symlink() or not any(
        parent == os.path.join(os.path.realpath(store), "jobs") for store in stores
    ):
        return f"job folder {folder} is not in the jobs folder of a data store: kept"
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"cannot delete job folder {folder}: {error.strerror}"
    return None


def _remove_empty_folders(folder: Path, store: Path) -> None:
    """Remove `folder` and its parents while empty, up to (not including) the store."""
    inside = os.path.realpath(store).rstrip(os.sep) + os.sep
    current = folder
    while os.path.realpath(current).startswith(inside):
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent


def _store_of(path: Path, stores: list[Path]) -> Path | None:
    resolved = os.path.realpath(path)
    for store in stores:
        if resolved.startswith(os.path.realpath(store).rstrip(os.sep) + os.sep):
            return store
    return None
