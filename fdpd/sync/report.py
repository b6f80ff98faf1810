"""What a sync operation tells its caller as it runs (progress, warnings) and when it ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

# on_progress(kind, done, total, bytes): kind is "records", "download" or "upload"; bytes is the
# running byte count of file transfers (0 for records).
ProgressCallback = Callable[[str, int, int, int], None]
WarningCallback = Callable[[str], None]

Status = Literal["pushed", "pulled", "planned", "skipped", "failed"]


@dataclass
class ItemOutcome:
    item: str
    status: Status
    local_url: str | None = None
    remote_url: str | None = None
    reason: str = ""


@dataclass
class SyncReport:
    items: list[ItemOutcome] = field(default_factory=list)
    records_created: int = 0
    records_patched: int = 0
    files_transferred: int = 0
    bytes_transferred: int = 0
    remote_requests: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(item.status in ("pushed", "pulled") for item in self.items)


class Progress:
    """Counts work done and forwards it to the caller's callbacks (both optional)."""

    def __init__(
        self, on_progress: ProgressCallback | None, on_warning: WarningCallback | None
    ) -> None:
        self._on_progress = on_progress
        self._on_warning = on_warning
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.bytes = 0

    def start(self, kind: str, total: int) -> None:
        self.totals[kind] = total
        self.done[kind] = 0
        self._emit(kind)

    def step(self, kind: str) -> None:
        self.done[kind] = self.done.get(kind, 0) + 1
        self._emit(kind)

    def add_bytes(self, kind: str, count: int) -> None:
        self.bytes += count

    def warn(self, message: str) -> None:
        if self._on_warning is not None:
            self._on_warning(message)

    def _emit(self, kind: str) -> None:
        if self._on_progress is not None:
            self._on_progress(kind, self.done[kind], self.totals.get(kind, 0), self.bytes)
