"""Which folders may be a data store.

fdp writes job folders and model outputs into a data store and `gc`/`delete` remove files there,
so a data store must be a folder of its own: never `/`, the home folder or one of its ancestors,
a system folder, or a folder holding (or held by) fdp's own config, state, data or runtime
folders. Both the path as given and the path its symbolic links lead to are checked.

`register:` sources share the rules of fdp's own folders: a file fdp reads into the registry (and
a push may publish) is never inside `/proc`, `/sys`, `/dev` or fdp's own folders and token files
(`unreadable_source_reason`).
"""

from __future__ import annotations

import os
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.paths import Locations

# The kernel's and devices' trees: never a data store, and never read as a `register:` source.
_DEVICE_TREES = ("/dev", "/proc", "/sys")
# Nothing inside these may be a data store: the operating system's own trees.
_SYSTEM_TREES = frozenset(
    {*_DEVICE_TREES, "/bin", "/boot", "/etc", "/sbin", "/usr", "/System", "/private/etc"}
)
# These folders themselves may not be a data store; a folder of its own inside them may.
_SYSTEM_FOLDERS = frozenset(
    {
        "/home",
        "/opt",
        "/root",
        "/run",
        "/tmp",
        "/var",
        "/Applications",
        "/Library",
        "/Users",
        "/Volumes",
        "/private",
        "/private/tmp",
        "/private/var",
    }
)
HINT = "choose a folder of its own, e.g. ~/fdp-data (it is created if missing)"


def check_data_store(folder: Path, locations: Locations) -> Path:
    """`folder` made absolute and normalised, or a 400 `bad_data_store` saying why not."""
    absolute = Path(os.path.normpath(folder.expanduser().absolute()))
    reason = unsafe_data_store_reason(absolute, locations)
    if reason is not None:
        raise FdpError(
            f"cannot use {absolute} as a data store: {reason}",
            hint=HINT,
            code=ErrorCode.BAD_DATA_STORE,
        )
    return absolute


def unsafe_data_store_reason(folder: Path, locations: Locations) -> str | None:
    """Why `folder` (absolute) must not be a data store, or None if it may be one."""
    given = os.path.normpath(folder)
    for path in dict.fromkeys((given, os.path.realpath(given))):
        reason = _home_reason(path) or _system_reason(path) or _fdp_reason(path, locations)
        if reason is not None:
            return reason if path == given else f"{reason} (it leads to {path})"
    return None


def _system_reason(path: str) -> str | None:
    if path in _SYSTEM_FOLDERS:
        return f"{path} is a system folder"
    trees = _system_trees(path)
    if not trees:
        return None
    if path == trees[0]:
        return f"{path} is a system folder"
    return f"it is inside the system folder {trees[0]}"


def _system_trees(path: str) -> list[str]:
    top = "/" + path.lstrip("/").split("/", 1)[0]
    trees = [tree for tree in _SYSTEM_TREES if _within(path, tree)]
    if top.startswith("/lib"):  # /lib, /lib32, /lib64, /libx32…
        trees.append(top)
    return trees


def _home_reason(path: str) -> str | None:
    home = os.path.realpath(Path.home())
    if path == os.sep:
        return "it is the root folder"
    if path == home:
        return "it is your home folder"
    if _within(home, path):
        return f"it holds your home folder {home}"
    return None


def _fdp_reason(path: str, locations: Locations) -> str | None:
    for kind, mine in _own_folders(locations):
        if path == mine:
            return f"it is fdp's own {kind} folder"
        if _within(path, mine):
            return f"it is inside fdp's own {kind} folder {mine}"
        if _within(mine, path):
            return f"it holds fdp's own {kind} folder {mine}"
    return None


def unreadable_source_reason(path: Path, locations: Locations) -> str | None:
    """Why the file or folder at `path` (absolute) must never be read as a `register:` source
    (the kernel's trees, fdp's own folders and token files), or None. The path as given and the
    path its symbolic links lead to are both checked."""
    given = os.path.normpath(path)
    for checked in dict.fromkeys((given, os.path.realpath(given))):
        reason = _source_reason(checked, locations)
        if reason is not None:
            return reason if checked == given else f"{reason} (it leads to {checked})"
    return None


def _source_reason(path: str, locations: Locations) -> str | None:
    for tree in _DEVICE_TREES:
        if _within(path, tree):
            return f"it is inside {tree}, which fdp never reads from"
    tokens = locations.fair_registry_token_path.parent
    for kind, mine in [*_own_folders(locations), *_both("token", tokens)]:
        if _within(path, mine):
            return f"it is inside fdp's own {kind} folder {mine}"
    return None


def _own_folders(locations: Locations) -> list[tuple[str, str]]:
    """fdp's own folders by kind, each as given and as its symbolic links lead."""
    own = {
        "config": locations.config_dir,
        "state": locations.state_dir,
        "data": locations.data_dir,
        "runtime": locations.runtime_dir,
    }
    return [pair for kind, folder in own.items() for pair in _both(kind, folder)]


def _both(kind: str, folder: Path) -> list[tuple[str, str]]:
    paths = dict.fromkeys((os.path.normpath(folder), os.path.realpath(folder)))
    return [(kind, path) for path in paths]


def _within(path: str, folder: str) -> bool:
    """`path` is `folder` or inside it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


__all__ = ["check_data_store", "unreadable_source_reason", "unsafe_data_store_reason"]
