"""What a sync operation tells its caller as it runs (progress, warnings) and when it ends.

Progress is a series of `ProgressEvent`s, in phases: "upload" or "download" (files), then
"records". A file phase starts with its plan (every file with its name and size, so the bytes to
move are known before the first one moves, and the items the files are for); then come byte counts
while files move, at most about four events a second, and each file as it ends (folded into the
next event when files end faster than that, so none is left out). The records phase counts the
registry records copied, for how many items. Every phase ends with an event whose `current`
equals its `total`. Rate and time left are the client's to work out from the byte counts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fdpd.base.units import byte_size, counted
from fdpd.base.wire import (
    FileEnded,
    FileOutcome,
    FilePhase,
    Phase,
    PlannedFile,
    ProgressDetails,
    SyncStatus,
)

ProgressCallback = Callable[["ProgressEvent"], None]
WarningCallback = Callable[[str], None]

Status = SyncStatus

EVENT_INTERVAL = 0.25  # seconds between byte or record events (fdpd records every event)


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
    records_on_remote: int = 0  # registry records of the pushed closure the remote now holds
    files_transferred: int = 0
    bytes_transferred: int = 0
    remote_requests: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(item.status in ("pushed", "pulled") for item in self.items)


@dataclass(frozen=True)
class PlannedTransfer:
    """A file a phase will move: its name as people know it (relative to its data store) and
    its size in bytes (None: not known until its transfer starts)."""

    name: str
    size: int | None


@dataclass(frozen=True)
class ProgressEvent:
    """One progress event: `current` of `total` `unit` ("files" or "records") in `phase`;
    `details` are the machine-readable fields (bytes, the plan, files ended since the last)."""

    message: str
    phase: str
    current: int
    total: int
    unit: str
    details: ProgressDetails


def forward_to(progress: Callable[..., None], remote: str) -> ProgressCallback:
    """Progress events → an operation's `Emitter.progress`, each naming the remote. The events
    are thinned here already, so the emitter keeps every one."""

    def forward(event: ProgressEvent) -> None:
        details: ProgressDetails = {**event.details, "remote": remote}
        progress(
            event.message,
            current=event.current,
            total=event.total,
            unit=event.unit,
            details=details,
            keep=True,
        )

    return forward


def items_text(count: int) -> str:
    return counted(count, "item")


@dataclass
class _Phase:
    name: Phase
    total: int
    items: int
    unit: str = "files"
    done: int = 0
    bytes_total: int = 0
    bytes_done: int = 0  # moved or found in place: how far the phase has got
    moved: int = 0  # bytes actually sent or received
    sizes: dict[str, int | None] = field(default_factory=dict)
    active: dict[str, int] = field(default_factory=dict)  # file → bytes moved so far
    ended: list[FileEnded] = field(default_factory=list)  # not yet reported


class Progress:
    """Counts a sync's work and hands it to the caller's callbacks (both optional) as
    `ProgressEvent`s, thinned to about four a second except for plans, ends and files ended."""

    def __init__(
        self, on_progress: ProgressCallback | None, on_warning: WarningCallback | None
    ) -> None:
        self._on_progress = on_progress
        self._on_warning = on_warning
        self.bytes = 0  # bytes moved, all phases
        self._phase: _Phase | None = None
        self._last_event = 0.0
        self._flush: asyncio.TimerHandle | None = None

    # --- file phases ------------------------------------------------------------------------

    def plan_files(self, phase: FilePhase, files: Sequence[PlannedTransfer], items: int) -> None:
        """Start a file phase with its plan: every file, its size, the items they are for. A
        phase with no file to move says nothing."""
        if not files:
            self._phase = None
            return
        self._phase = _Phase(phase, len(files), items)
        self._phase.sizes = {file.name: file.size for file in files}
        self._phase.bytes_total = sum(file.size or 0 for file in files)
        known = all(file.size is not None for file in files)
        size = byte_size(self._phase.bytes_total) if known else "size not known yet"
        plan: list[PlannedFile] = [{"name": file.name, "size": file.size} for file in files]
        count = f"{len(files)} file{'' if len(files) == 1 else 's'}"
        message = f"{phase}: {count} ({size}) for {items_text(items)}"
        self._emit(message, {"plan": {"files": plan, "items": items}})

    def file_size(self, name: str, size: int) -> None:
        """The size of a file the plan did not know, learned as its transfer starts."""
        phase = self._phase
        if phase is not None and phase.sizes.get(name, 0) is None:
            phase.sizes[name] = size
            phase.bytes_total += size

    def add_bytes(self, name: str, count: int) -> None:
        phase = self._phase
        self.bytes += count
        if phase is None:
            return
        phase.moved += count
        phase.bytes_done += count
        phase.active[name] = phase.active.get(name, 0) + count
        if time.monotonic() - self._last_event >= EVENT_INTERVAL:
            self._emit(self._transfer_message())

    def file_done(self, name: str, outcome: FileOutcome) -> None:
        """A file of the phase ended: moved, found in place already, or failed."""
        phase = self._phase
        if phase is None:
            return
        moved = phase.active.pop(name, 0)
        size = phase.sizes.get(name) or moved
        if outcome != "failed":
            phase.bytes_done += max(size - moved, 0)  # what was in place counts as done
        phase.done += 1
        phase.ended.append({"name": name, "size": size, "outcome": outcome})
        if phase.done >= phase.total or time.monotonic() - self._last_event >= EVENT_INTERVAL:
            self._emit(self._transfer_message())
        elif self._flush is None:
            loop = asyncio.get_running_loop()
            self._flush = loop.call_later(EVENT_INTERVAL, self._flush_ended)

    # --- records ----------------------------------------------------------------------------

    def start_records(self, total: int, items: int) -> None:
        self._phase = _Phase("records", total, items, unit="records")
        self._emit(self._records_message())

    def record_done(self) -> None:
        phase = self._phase
        if phase is None:
            return
        phase.done += 1
        if phase.done >= phase.total or time.monotonic() - self._last_event >= EVENT_INTERVAL:
            self._emit(self._records_message())

    def end_phase(self) -> None:
        """The phase is over: its last event says all of it was worked through (records that
        failed count as worked through; warnings and the result say why)."""
        phase = self._phase
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if phase is None:
            return
        if phase.done < phase.total or phase.ended:
            phase.done = phase.total
            ended = phase.unit == "records"
            self._emit(self._records_message() if ended else self._transfer_message())
        self._phase = None

    def warn(self, message: str) -> None:
        if self._on_warning is not None:
            self._on_warning(message)

    # --- events -----------------------------------------------------------------------------

    def _transfer_message(self) -> str:
        phase = self._phase
        assert phase is not None
        sizes = f"{byte_size(phase.bytes_done)} of {byte_size(phase.bytes_total)}"
        return f"{phase.name}: {phase.done}/{counted(phase.total, 'file')}, {sizes}"

    def _records_message(self) -> str:
        phase = self._phase
        assert phase is not None
        return f"records for {items_text(phase.items)}: {phase.done}/{phase.total} registry records"

    def _flush_ended(self) -> None:
        self._flush = None
        if self._phase is not None and self._phase.ended:
            self._emit(self._transfer_message())

    def _emit(self, message: str, extra: ProgressDetails | None = None) -> None:
        phase = self._phase
        assert phase is not None
        self._last_event = time.monotonic()
        details: ProgressDetails = {"phase": phase.name, "items": phase.items, **(extra or {})}
        if phase.unit == "files":
            details["bytes"] = phase.bytes_done
            details["bytes_total"] = phase.bytes_total
            details["moved"] = phase.moved
            details["active"] = sorted(phase.active)
            details["ended"], phase.ended = phase.ended, []
        if self._on_progress is not None:
            event = ProgressEvent(message, phase.name, phase.done, phase.total, phase.unit, details)
            self._on_progress(event)
