"""`FDP_TRACEMALLOC=1`: trace allocations of fdpd (and of the registry it starts, which
inherits the variable) and log what grew on each SIGUSR1.

A diagnostic for soak tests (benchmarks/soak.py --tracemalloc): the first SIGUSR1 takes a
baseline snapshot, each later one logs the allocation sites that grew most since that baseline,
with their size and count, to the process's log. Tracing costs memory and time, so it is off
unless asked for.
"""

from __future__ import annotations

import logging
import os
import signal
import tracemalloc
from collections.abc import Mapping
from types import FrameType

log = logging.getLogger("fdpd.memory")

VARIABLE = "FDP_TRACEMALLOC"
FRAMES = 8
TOP = 25
GROWTH_HEADER = "growth since the baseline"


class MemoryTrace:
    def __init__(self) -> None:
        self._baseline: tracemalloc.Snapshot | None = None

    def on_signal(self, _sig: int, _frame: FrameType | None) -> None:
        snapshot = _filtered(tracemalloc.take_snapshot())
        if self._baseline is None:
            self._baseline = snapshot
            log.warning("tracemalloc baseline taken (%s)", _traced())
            tracemalloc.reset_peak()
            return
        grown = snapshot.compare_to(self._baseline, "traceback")[:TOP]
        log.warning("tracemalloc: top %d %s (%s since the baseline)", TOP, GROWTH_HEADER,
                    _traced())  # fmt: skip
        for stat in grown:
            newest_first = list(stat.traceback)[::-1][:4]
            frames = " <- ".join(f"{f.filename}:{f.lineno}" for f in newest_first)
            log.warning("  %+.1f KiB in %+d blocks at %s", stat.size_diff / 1024,
                        stat.count_diff, frames)  # fmt: skip


def start_if_asked(environ: Mapping[str, str] = os.environ) -> bool:
    """Start tracing and install the SIGUSR1 handler when FDP_TRACEMALLOC=1."""
    if environ.get(VARIABLE) != "1":
        return False
    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR1, MemoryTrace().on_signal)
    log.warning("tracemalloc on (%s=1): send SIGUSR1 for a baseline, again for growth", VARIABLE)
    return True


def _filtered(snapshot: tracemalloc.Snapshot) -> tracemalloc.Snapshot:
    return snapshot.filter_traces(
        (
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        )
    )


def _traced() -> str:
    """Python's live allocations now, and the most they reached (since the last reset)."""
    current, peak = (size / (1024 * 1024) for size in tracemalloc.get_traced_memory())
    return f"{current:.1f} MiB traced, peak {peak:.1f} MiB"
