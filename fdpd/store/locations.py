"""Where a storage location's file is: its full address, and the local file it may name."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def location_url(root: str, path: str) -> str:
    """A storage location's full address: its root joined with its path (leading `/` dropped)."""
    return root + path.lstrip("/\\")


def local_path(location: str) -> Path | None:
    """The file on this machine a location names (`file://…` or an absolute path), else None."""
    if location.startswith("file://"):
        return Path(unquote(urlsplit(location).path))
    if location.startswith("/") or (len(location) > 2 and location[1:3] in (":\\", ":/")):
        return Path(location)
    return None
