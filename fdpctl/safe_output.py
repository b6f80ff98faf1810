"""The one place fdpctl's text becomes safe for a terminal, whatever command wrote it.

What fdpctl prints comes largely from others: descriptions, titles and names of records anyone may
write to a shared registry, error messages quoting them, a model's output. An escape sequence in
them, written raw, would retitle the terminal, clear it, move the cursor to fake or hide lines, or
set the clipboard. `SafeOutput()` wraps stdout and stderr for the whole command: every control or
formatting character written shows escaped (`\\x1b]0;…`, fdpd/base/escaping.py), newlines and tabs
excepted. fdpctl's own colours and progress-line redraws pass as they are because they are written
through `own` (or `styled`), which marks them with a key made afresh by each fdpctl process, so no
record can carry it. `--json` output is unchanged: json.dumps escapes control characters itself.
"""

from __future__ import annotations

import os
import sys

from fdpd.base.escaping import escaped

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

_CSI = "\x1b["
_MARK = "\x1b" + os.urandom(12).hex()  # brackets fdpctl's own control sequences


def own(sequence: str) -> str:
    """A control sequence of fdpctl's own (`\\r\\x1b[K`), written as it is."""
    return f"{_MARK}{sequence}{_MARK}"


def styled(text: str, sgr: str) -> str:
    """`text` in an SGR style (`1` bold, `31` red) of fdpctl's own choosing."""
    return own(_CSI + sgr + "m") + text + own(_CSI + "0m")


def terminal_safe(text: str) -> str:
    """`text` as the wrapped streams write it: escaped, but for fdpctl's own sequences."""
    parts = text.split(_MARK)
    return "".join(part if i % 2 else escaped(part, lines=True) for i, part in enumerate(parts))


class SafeText:
    """A text stream that writes `terminal_safe` text to the stream it wraps."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(terminal_safe(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding…
        return getattr(self.raw, name)


class SafeOutput:
    """For the time of one command, stdout and stderr write `terminal_safe` text."""

    def __enter__(self) -> None:
        self.saved = sys.stdout, sys.stderr
        if not isinstance(sys.stdout, SafeText):
            sys.stdout = SafeText(sys.stdout)
        if not isinstance(sys.stderr, SafeText):
            sys.stderr = SafeText(sys.stderr)

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self.saved


__all__ = ["SafeOutput", "SafeText", "own", "styled", "terminal_safe"]
