"""What a push would publish about this machine: the absolute local paths (home folder,
interpreter, data folders...) written in the working configs and scripts of the code runs pushed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fdpd.base.bounded_read import off_loop, read_capped
from fdpd.base.errors import FdpError
from fdpd.store.locations import local_path, location_url
from fdpd.sync.graph import RecordGraph, label_of

SCAN_CAP = 4 * 1024 * 1024
# an absolute POSIX path not inside a URL or a relative path, a Windows drive path, or ~/...
_PATH = re.compile(
    r"(?<![\w.:/~-])(/(?:[\w.@+%-]+/)*[\w.@+%-]+/?)"
    r"|(?<![\w])([A-Za-z]:[\\/][^\s'\"`,;)\]}]*)"
    r"|(?<![\w/])(~/[^\s'\"`,;)\]}]*)"
)
_RUN_TEXTS = (("model_config", "working config"), ("submission_script", "submission script"))


def absolute_paths(text: str, home: str) -> list[str]:
    """The absolute paths in `text`, in order, once each; the home folder's marked as such."""
    found: list[str] = []
    for match in _PATH.finditer(text):
        path = next(group for group in match.groups() if group)
        if path.startswith("~/") or _under(path, home):
            path = f"{path} (home folder)"
        if path not in found:
            found.append(path)
    return found


async def exposed_paths(
    graph: RecordGraph, roots: list[str], home: str | None = None
) -> list[dict[str, Any]]:
    """Per root: each working config and script in its closure, and the paths its text shows."""
    home = home if home is not None else str(Path.home())
    exposed: list[dict[str, Any]] = []
    for root in roots:
        for run in sorted(k for k in graph.closure([root]) if graph[k].type == "code_run"):
            for field, what in _RUN_TEXTS:
                path = _file_of(graph, graph[run].record.get(field))
                if path is None:
                    continue
                found = await _scan(path, home)
                if found:
                    exposed.append(
                        {
                            "item": label_of(graph, root),
                            "file": str(path),
                            "is": f"{what} of {label_of(graph, run)}",
                            "paths": found,
                        }
                    )
    return exposed


def _file_of(graph: RecordGraph, object_key: object) -> Path | None:
    obj = graph.nodes.get(str(object_key or ""))
    location = graph.nodes.get(str(obj.record.get("storage_location") or "")) if obj else None
    root = graph.nodes.get(str(location.record.get("storage_root") or "")) if location else None
    if location is None or root is None:
        return None
    return local_path(location_url(str(root.record["root"]), location.record["path"]))


async def _scan(path: Path, home: str) -> list[str]:
    try:
        data = await off_loop(lambda: read_capped(path, "file to publish", SCAN_CAP), path, "file")
    except FdpError as error:
        return [f"(not scanned: {error.message})"]
    return absolute_paths(data.decode("utf-8", errors="replace"), home)


def _under(path: str, home: str) -> bool:
    home = home.rstrip("/")
    return bool(home) and home != "" and (path == home or path.startswith(home + "/"))
