"""What running jobs are writing: `(namespace, name, version)` reservations and held data
store folders, in fdpd's memory, so two jobs never write the same version or folder (how jobs
use them: fdpd.features.run.output_reservations).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fdpd.base.errors import Conflict

if TYPE_CHECKING:  # fdpd imports this at start-up; the config generator only when a job starts
    from fdpd.userconfig import WritesInProgress

WriteKey = tuple[str, str, str]  # namespace, data product name, version
FolderEntries = Mapping[Path, frozenset[str]]  # folder → names it held when first held


@dataclass
class _FolderHold:
    before: frozenset[str] | None  # None: the folder could not be listed, so nothing is new
    holders: set[str] = field(default_factory=set)


class WriteReservations:
    def __init__(self) -> None:
        self.preparing = asyncio.Lock()
        self._writes: dict[WriteKey, str] = {}  # → job id
        self._folders: dict[Path, _FolderHold] = {}

    def in_progress(self) -> WritesInProgress:
        """What generation must not give a new write: (namespace, name) → {version: job}."""
        found: dict[tuple[str, str], dict[str, str]] = {}
        for (namespace, name, version), job_id in self._writes.items():
            found.setdefault((namespace, name), {})[version] = job_id
        return found

    def reserve(self, job_id: str, writes: Iterable[WriteKey], folders: Iterable[Path]) -> None:
        """Reserve `writes` and hold `folders` for `job_id` (call it holding `preparing`)."""
        wanted = set(writes)
        taken = sorted(key for key in wanted if self._writes.get(key, job_id) != job_id)
        if taken:  # generation saw every reservation, so only a caller without the lock gets here
            namespace, name, version = taken[0]
            raise Conflict(
                f"version {version} of {namespace}:{name} is being written by job "
                f"{self._writes[taken[0]]}",
                hint="wait for it or choose another version",
            )
        for key in wanted:
            self._writes[key] = job_id
        for folder in folders:
            if folder not in self._folders:
                self._folders[folder] = _FolderHold(_entries(folder))
            self._folders[folder].holders.add(job_id)

    def release(self, job_id: str) -> FolderEntries:
        """End `job_id`'s reservations; the folders it was the last holder of, with their
        entries from before. Releasing twice is harmless."""
        for key in [key for key, holder in self._writes.items() if holder == job_id]:
            del self._writes[key]
        ended: dict[Path, frozenset[str]] = {}
        for folder, hold in list(self._folders.items()):
            if job_id not in hold.holders:
                continue
            hold.holders.discard(job_id)
            if not hold.holders:
                del self._folders[folder]
                if hold.before is not None:
                    ended[folder] = hold.before
        return ended


def _entries(folder: Path) -> frozenset[str] | None:
    try:
        return frozenset(os.listdir(folder))
    except FileNotFoundError:
        return frozenset()
    except OSError:
        return None
