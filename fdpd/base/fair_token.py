"""Keep `~/.fair/registry/token` equal to the local registry token, without clobbering FAIR-CLI.

R and Java model code that passes no token falls back to that file. fdp writes it only when no
FAIR-CLI install owns it: the folder must be absent, or hold nothing but files fdp wrote (a
marker beside the token says so). A live FAIR-CLI install (its `~/.fair/cli` folder, or a token
fdp did not write) is left exactly as it is.
"""

from __future__ import annotations

import logging
import os
from enum import Enum
from pathlib import Path

from fdpd.base.atomic import atomic_write_bytes

MARKER_NAME = ".written-by-fdp"
MARKER_TEXT = (
    "fdp keeps the token beside this file equal to its local registry token, for R and Java\n"
    "model code that reads ~/.fair/registry/token. Delete this file to make fdp leave it alone.\n"
)

log = logging.getLogger(__name__)


class FairToken(Enum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    LEFT_TO_FAIR_CLI = "left to FAIR-CLI"


def keep_fair_token(token_path: Path, token: str) -> FairToken:
    """Make `token_path` (…/.fair/registry/token) hold `token` if fdp may own it."""
    registry_dir = token_path.parent
    marker = registry_dir / MARKER_NAME
    if not _fdp_may_write(registry_dir, token_path, marker):
        log.info("%s belongs to a FAIR-CLI install: left unchanged", token_path)
        return FairToken.LEFT_TO_FAIR_CLI
    if _read(token_path) == token:
        return FairToken.UNCHANGED
    for folder in (registry_dir.parent, registry_dir):
        folder.mkdir(mode=0o700, exist_ok=True)
    if not marker.exists():
        atomic_write_bytes(marker, MARKER_TEXT.encode(), mode=0o600)
    atomic_write_bytes(token_path, token.encode(), mode=0o600)
    log.info("%s now holds the local registry token", token_path)
    return FairToken.WRITTEN


def _fdp_may_write(registry_dir: Path, token_path: Path, marker: Path) -> bool:
    if (registry_dir.parent / "cli").exists():
        return False
    if marker.exists():
        return True
    return not token_path.exists() and not _has_entries(registry_dir)


def _has_entries(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except FileNotFoundError:
        return False


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None
