"""Progress of a push, pull or update as people read it: files by name, bytes of the total known
up front, rate, time left, records advancing, and `waiting for origin (12 s)...` when nothing
moves.

fdpd sends each phase's plan first (`plan`: the files and their sizes) and then counts (see
`fdpd.sync.report`); rate and time left are worked out here, from the bytes moved in the last few
seconds. On a terminal one line is redrawn; otherwise plain lines are printed: the plan, one line
per file that ends, a status line every `PLAIN_EVERY` seconds of a long phase, and its end.
"""

from __future__ import annotations

from fdpctl.render import byte_size, counted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fdpd.base.wire import FileEnded, ProgressOut

BAR_WIDTH = 20
RATE_WINDOW = 5.0  # seconds of byte counts the rate is worked out from
QUIET_AFTER = 2.0  # seconds without an event before rate and time left are no longer shown
STALL_AFTER = 5.0  # seconds without an event before fdpctl says it is waiting
PLAIN_EVERY = 10.0  # seconds between status lines of a long phase, without a terminal
PLAIN_WAIT_EVERY = 30.0  # seconds between `waiting for ...` lines, without a terminal
ENDED = {"uploaded": "uploaded", "downloaded": "downloaded", "failed": "FAILED"}


class PhaseView:
    """One phase (upload, download, records) as fdpctl shows it."""

    def __init__(self, event: ProgressOut, now: float) -> None:
        self.name = str(event.get("phase"))
        self.started = now
        self.current = 0
        self.total = 0
        self.bytes = 0
        self.bytes_total = 0
        self.moved = 0
        self.items = 0
        self.active: list[str] = []
        self.samples: list[tuple[float, int]] = [(now, 0)]

    @property
    def is_files(self) -> bool:
        return self.name != "records"

    @property
    def done(self) -> bool:
        return self.current >= self.total

    def update(self, event: ProgressOut, now: float) -> None:
        self.current = _number(event.get("current"))
        self.total = _number(event.get("total"))
        self.items = _number(event.get("items"))
        self.bytes = _number(event.get("bytes"))
        self.bytes_total = max(_number(event.get("bytes_total")), self.bytes)
        self.moved = _number(event.get("moved"))
        self.active = [str(name) for name in event.get("active") or []]
        self.samples = [s for s in self.samples if now - s[0] <= RATE_WINDOW] + [(now, self.moved)]

    def rate(self, now: float) -> float | None:
        """Bytes a second over the last few seconds (falling while nothing moves)."""
        first_time, first_moved = self.samples[0]
        if now - first_time < 0.5:
            return None
        return (self.moved - first_moved) / (now - first_time)

    def status(self, now: float, waiting: str = "") -> str:
        """`upload 1/3 files [####....] 64.0 MiB of 200.0 MiB, 31.2 MiB/s, 0:04 left  a.csv`."""
        if not self.is_files:
            bar = self.bar(self.current, self.total)
            count = f"({self.current}/{counted(self.total, 'registry record')})"
            line = f"records for {_items(self.items)} {bar} {self.percent()} {count}"
            return f"{line}, {waiting}" if waiting else line
        bar = self.bar(self.bytes, self.bytes_total) if self.bytes_total else ""
        sizes = f"{byte_size(self.bytes)} of {byte_size(self.bytes_total)}"
        shown = f"{self.name} {self.current}/{counted(self.total, 'file')} {bar}"
        parts = [shown.rstrip() + f" {sizes}"]
        parts += [waiting] if waiting else self.speed(now)
        line = ", ".join(parts)
        return f"{line}  {self.active[0]}" if self.active and not waiting else line

    def speed(self, now: float) -> list[str]:
        """Rate and time left, while bytes come (not in a pause: fdpctl says it waits then)."""
        rate = self.rate(now)
        if not rate or now - self.samples[-1][0] > QUIET_AFTER:
            return []
        left = (self.bytes_total - self.bytes) / rate
        return [f"{byte_size(int(rate))}/s", f"{clock(left)} left"]

    def summary(self, now: float) -> str:
        """The phase's last plain line."""
        took = now - self.started
        if not self.is_files:
            records = counted(self.total, "registry record")
            return f"records: done, {records} for {_items(self.items)}"
        rate = f", {byte_size(int(self.moved / took))}/s" if took >= 0.5 and self.moved else ""
        moved = byte_size(self.moved)
        files = counted(self.total, "file")
        return f"{self.name}: done, {files}, {moved} moved in {clock(took)}{rate}"

    def percent(self) -> str:
        return f"{100 * self.current // self.total}%" if self.total else "100%"

    @staticmethod
    def bar(current: int, total: int) -> str:
        filled = BAR_WIDTH * min(current, total) // total if total else BAR_WIDTH
        return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}]"


class ProgressView:
    """The progress events of one operation: the line a terminal shows, the plain lines a log
    gets, and whether to say that fdpctl is waiting."""

    def __init__(self) -> None:
        self.phase: PhaseView | None = None
        self.remote: str | None = None
        self.last_event = 0.0
        self.last_plain = 0.0
        self.last_wait_line = 0.0
        self.line = ""  # what a terminal shows now

    def handles(self, event: ProgressOut) -> bool:
        """True for the events of a sync phase (fdpd.sync.report); notes the remote of any."""
        if event.get("remote"):
            self.remote = str(event["remote"])
        return event.get("phase") in ("upload", "download", "records")

    def update(self, event: ProgressOut, now: float) -> list[str]:
        """Take in a phase's event; the plain lines it brings."""
        self.last_event = now
        lines: list[str] = []
        if "plan" in event or (event.get("phase") == "records" and self._new_phase(event)):
            self.phase = PhaseView(event, now)
            self.last_plain = now
            lines.append(self._plan_line(event))
        phase = self.phase
        if phase is None:
            return lines
        phase.update(event, now)
        lines += [self._ended_line(ended) for ended in event.get("ended") or []]
        if phase.done:
            lines.append(phase.summary(now))
            self.phase = None
        elif now - self.last_plain >= PLAIN_EVERY:
            lines.append(phase.status(now))
            self.last_plain = now
        self.line = phase.status(now) if self.phase else ""
        return lines

    def idle(self, now: float) -> str | None:
        """The `waiting for origin (12 s)...` text once nothing has come for a while."""
        waited = now - self.last_event
        if self.remote is None or not self.last_event or waited < STALL_AFTER:
            return None
        return f"waiting for {self.remote} ({waited:.0f} s)..."

    def idle_line(self, now: float, step: str) -> str:
        """The terminal line while waiting, in a phase or after the step `step` was shown."""
        waiting = self.idle(now) or ""
        if self.phase is not None:
            return self.phase.status(now, waiting)
        return f"{step}, {waiting}" if step and waiting else waiting

    def idle_plain(self, now: float) -> str | None:
        """A plain `waiting for ...` line, one per `PLAIN_WAIT_EVERY` seconds of waiting."""
        waiting = self.idle(now)
        same_wait = self.last_wait_line > self.last_event
        if waiting is None or (same_wait and now - self.last_wait_line < PLAIN_WAIT_EVERY):
            return None
        self.last_wait_line = now
        return waiting

    def _new_phase(self, event: ProgressOut) -> bool:
        return self.phase is None or self.phase.name != event.get("phase")

    def _plan_line(self, event: ProgressOut) -> str:
        if event.get("phase") == "records":
            items = _items(_number(event.get("items")))
            return f"records for {items} ({_number(event.get('total'))} registry records)"
        towards = " to " if event.get("phase") == "upload" else " from "
        return f"{event.get('message')}{towards}{self.remote}" if self.remote else event["message"]

    def _ended_line(self, ended: FileEnded) -> str:
        outcome = str(ended.get("outcome"))
        size = byte_size(_number(ended.get("size")))
        where = self.remote or "the remote"
        if outcome == "present":
            here = "on " + where if self.phase and self.phase.name == "upload" else "here"
            return f"  {ended.get('name')} ({size}): already {here}"
        return f"  {ENDED.get(outcome, outcome)} {ended.get('name')} ({size})"


def clock(seconds: float) -> str:
    """`0:04`, `12:30`, `1:02:03`: a duration as a clock shows it."""
    whole = max(int(seconds + 0.5), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _items(count: int) -> str:
    return counted(count, "item")


def _number(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0
