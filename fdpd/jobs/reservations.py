"""The outputs running jobs are writing, held in fdpd's memory (issue 12, item 1).

A `run` job reserves the `(namespace, name, version)` of each of its writes when its working
config is made. Jobs make their working configs one at a time (`preparing`), each seeing the
reservations made before it, so a second job of the same config gets the next version of a bump
(`${{PATCH}}`), and one of an explicit version is refused, naming the job holding it. A job
releases its reservations when it ends. They live only in fdpd's memory, as the jobs fdpd runs
do: an fdpd that restarts has no running jobs, and so no reservations.

A job also holds the data store folders its outputs are written to. The first holder notes the
folder's entries; when the last holder ends, the entries that appeared since are the files those
jobs wrote (see `fdpd.jobs.leftovers`). That check runs under `preparing` too, so no job can
begin writing the folder while it runs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fdpd.errors import Conflict
from fdpd.server.context import DaemonContext
from fdpd.userconfig import WritesInProgress

SERVICE = "write reservations"
RUN_ID = "${{RUN_ID}}"

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


def write_reservations(ctx: DaemonContext) -> WriteReservations:
    """fdpd's one set of reservations, made on first use."""
    found = ctx.services.get(SERVICE)
    if not isinstance(found, WriteReservations):
        found = ctx.services[SERVICE] = WriteReservations()
    return found


def output_writes(working_config: Mapping[str, Any]) -> list[WriteKey]:
    """The outputs a working config writes (a `${{RUN_ID}}` name is new in every run)."""
    keys = []
    for write in working_config.get("write") or []:
        use = write["use"]
        if RUN_ID not in str(use["data_product"]):
            keys.append((str(use["namespace"]), str(use["data_product"]), str(use["version"])))
    return keys


def output_folders(data_store: Path, working_config: Mapping[str, Any]) -> set[Path]:
    """The data store folders a job's outputs are written to: `<namespace>/<name>/` as the
    write item names them, and as pyDataPipeline names them (default_output_namespace, alias)."""
    default_namespace = str(working_config["run_metadata"]["default_output_namespace"])
    folders = set()
    for write in working_config.get("write") or []:
        use = write["use"]
        folders.add(data_store / str(use["namespace"]) / str(use["data_product"]))
        folders.add(data_store / default_namespace / str(write["data_product"]))
    return folders


def _entries(folder: Path) -> frozenset[str] | None:
    try:
        return frozenset(os.listdir(folder))
    except FileNotFoundError:
        return frozenset()
    except OSError:
        return None
