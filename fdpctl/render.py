"""Printing answers: JSON for `--json`, aligned fields and tables for people, NDJSON streams."""

from __future__ import annotations

import os
import sys
import time

from fdpctl.errors import Interrupted, OperationFailed
from fdpctl.safe_output import own, styled
from fdpd.base.units import byte_size, counted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any, TextIO

    from fdpctl.transport import Events
    from fdpd.base.wire import Event, ProgressOut

__all__ = ["byte_size", "counted", "styled"]  # fdpctl's commands print with them

BAR_WIDTH = 24
IDLE_TICK = 1.0  # seconds between redraws while nothing comes
CLEAR_LINE = "\r\x1b[K"  # back to the line's start, and clear it


def print_json(data: Any, out: TextIO | None = None) -> None:
    import json  # imports `re` (and `enum`): only `--json` pays for it

    print(json.dumps(data, indent=2), file=out or sys.stdout)


def print_fields(fields: Sequence[tuple[str, object]], out: TextIO | None = None) -> None:
    """`name:  value` lines with the values aligned."""
    width = max((len(name) for name, _ in fields), default=0) + 1
    for name, value in fields:
        print(f"{name + ':':<{width}} {value}", file=out or sys.stdout)


def print_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO | None = None
) -> None:
    cells = [[str(value) for value in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    for row in [list(headers), *cells]:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print(line.rstrip(), file=out or sys.stdout)


class StreamRenderer:
    """Shows one operation's events; it can go on with a second stream of the same operation
    (a replay), skipping the events it has shown already. On a terminal progress is one line
    redrawn in place; otherwise plain lines, never a carriage return."""

    def __init__(self, out: TextIO, as_json: bool) -> None:
        from fdpctl.progress import ProgressView

        self.out = out
        self.as_json = as_json
        self.on_terminal = out.isatty()
        self.progress = ProgressView()
        self.bar_shown = False
        self.last_step = ""
        self.last_id = 0  # of the last event shown

    def follow(self, stream: Events) -> dict[str, Any]:
        """`render` a stream from fdpd, saying so while nothing comes (not with --json)."""
        if not self.as_json:
            stream.on_idle(self.idle, IDLE_TICK)
        return self.render(stream)

    def render(self, events: Iterable[Event]) -> dict[str, Any]:
        """Show the events not shown yet; return the result, raise if the operation failed."""
        for event in events:
            if isinstance(event.get("id"), int) and event["id"] <= self.last_id:
                continue
            final = self.show(event)
            self.last_id = event.get("id", self.last_id)
            if final is not None:
                return final
        self.clear_bar()
        raise OperationFailed(
            "the event stream ended before the operation finished",
            hint="fdpd may have stopped; `fdpctl log` shows what it recorded",
        )

    def show(self, event: Event) -> dict[str, Any] | None:
        if self.as_json:
            import json

            print(json.dumps(event), file=self.out, flush=True)
        if event["type"] == "result":
            self.clear_bar()
            result = event.get("result")
            return result if isinstance(result, dict) else {}
        if event["type"] == "error":
            self.clear_bar()
            error = event.get("error") or {}
            failure = Interrupted if error.get("code") == "cancelled" else OperationFailed
            raise failure(
                str(error.get("message", "the operation failed")),
                hint=str(error.get("hint", "")),
                code=str(error.get("code", "")),
            )
        if not self.as_json:
            self._show_human(event)
        return None

    def idle(self) -> None:
        """Nothing came for IDLE_TICK seconds: after a while, say what fdpctl waits for."""
        now = time.monotonic()
        if self.on_terminal:
            line = self.progress.idle_line(now, self.last_step)
            if line and (self.bar_shown or self.progress.idle(now)):
                self._draw(line)
            return
        waiting = self.progress.idle_plain(now)
        if waiting:
            print(waiting, file=self.out, flush=True)

    def _show_human(self, event: Event) -> None:
        message = str(event.get("message", ""))
        if event["type"] == "progress" and self.progress.handles(event):
            self._phase_progress(event)
        elif event["type"] == "progress":
            self.progress.last_event = time.monotonic()
            self._progress(message, event.get("current"), event.get("total"))
        elif event["type"] == "warning":
            self.clear_bar()
            hint = event.get("hint")
            print(f"warning: {message}" + (f" ({hint})" if hint else ""), file=sys.stderr)
        elif event["type"] == "log":
            self.clear_bar()
            print(message, file=self.out, flush=True)

    def _phase_progress(self, event: ProgressOut) -> None:
        lines = self.progress.update(event, time.monotonic())
        if not self.on_terminal:
            for line in lines:
                print(line, file=self.out, flush=True)
        elif self.progress.line:
            self._draw(self.progress.line)
        else:
            self.clear_bar()

    def _progress(self, message: str, current: object, total: object) -> None:
        fraction = _fraction(current, total)
        counter = f"{fraction[0]:g}/{fraction[1]:g} " if fraction else ""
        if self.on_terminal:
            bar = ""
            if fraction:
                filled = int(BAR_WIDTH * min(fraction[0] / fraction[1], 1))
                bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            self._draw(f"{bar}{counter}{message}")
        elif message != self.last_step:
            print(f"[{counter.strip()}] {message}" if fraction else message, file=self.out)
        self.last_step = message

    def _draw(self, line: str) -> None:
        """Redraw the terminal's progress line, cut to the terminal's width."""
        self.out.write(own(CLEAR_LINE) + line[: _columns(self.out) - 1])
        self.out.flush()
        self.bar_shown = True

    def clear_bar(self) -> None:
        if self.bar_shown:
            self.out.write(own(CLEAR_LINE))
            self.out.flush()
            self.bar_shown = False


def _columns(out: TextIO) -> int:
    try:
        return os.get_terminal_size(out.fileno()).columns or 80
    except (OSError, ValueError):
        return 80


def _fraction(current: object, total: object) -> tuple[float, float] | None:
    if isinstance(current, int | float) and isinstance(total, int | float) and total > 0:
        return float(current), float(total)
    return None


def registry_line(state: str, url: str) -> str:
    """How status commands name the local registry's state."""
    if state == "external":
        return f"external at {url} (`registry: url:`; fdpd neither starts nor stops it)"
    return f"{state} at {url}"
