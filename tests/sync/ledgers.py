"""Two small `SyncLedger`s for the sync engine's tests and benchmarks (fdpd's own is on the
journal, `fdpd.shared.journal_ledger`): `MemoryLedger` (one process) and `JsonlLedger` (an
append-only file, fsynced per entry, so a killed push resumes from it). Both key records by path."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fdpd.remote.links import link_path


class MemoryLedger:
    """A ledger that lives as long as the process (tests, dry runs, one-off syncs)."""

    def __init__(self) -> None:
        self.remote_by_local: dict[str, str] = {}
        self.local_by_remote: dict[str, str] = {}
        self.pushed: dict[str, str] = {}
        self.pulled: dict[str, str] = {}

    def remote_url_for(self, local_path: str) -> str | None:
        return self.remote_by_local.get(link_path(local_path))

    def local_path_for(self, remote_url: str) -> str | None:
        return self.local_by_remote.get(link_path(remote_url))

    def record_link(self, local_path: str, remote_url: str) -> None:
        local = link_path(local_path)
        self.remote_by_local[local] = remote_url
        self.local_by_remote[link_path(remote_url)] = local

    def mark_pushed(self, local_path: str, remote_url: str) -> None:
        self.pushed[link_path(local_path)] = remote_url

    def mark_pulled(self, local_path: str, remote_url: str) -> None:
        self.pulled[link_path(local_path)] = remote_url

    async def flush(self) -> None:
        return None


class JsonlLedger(MemoryLedger):
    """A `MemoryLedger` replayed from, and appended to, a JSON-lines file."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        if path.exists():
            self._replay(path.read_text(encoding="utf-8"))

    def _replay(self, text: str) -> None:
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash: its record was not confirmed
            kind, local, remote = entry["kind"], entry["local"], entry["remote"]
            {
                "link": super().record_link,
                "pushed": super().mark_pushed,
                "pulled": super().mark_pulled,
            }[kind](local, remote)

    def _append(self, kind: str, local_path: str, remote_url: str) -> None:
        line = json.dumps({"kind": kind, "local": local_path, "remote": remote_url}) + "\n"
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())

    def record_link(self, local_path: str, remote_url: str) -> None:
        self._append("link", local_path, remote_url)
        super().record_link(local_path, remote_url)

    def mark_pushed(self, local_path: str, remote_url: str) -> None:
        self._append("pushed", local_path, remote_url)
        super().mark_pushed(local_path, remote_url)

    def mark_pulled(self, local_path: str, remote_url: str) -> None:
        self._append("pulled", local_path, remote_url)
        super().mark_pulled(local_path, remote_url)
