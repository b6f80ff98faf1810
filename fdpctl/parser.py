"""fdpctl's argparse classes: help wrapped to the terminal, usage errors as every other error.

Imported only to parse a command line with options (`fdpctl.cli.build_parser`): `argparse`
imports `re` and `gettext`, a start-up a command without options does not pay.
"""

from __future__ import annotations

import argparse
import os
import sys

from fdpctl.errors import USAGE_ERROR, CommandError, report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn


class HelpText(argparse.HelpFormatter):
    """Prose wrapped to the terminal; indented lines (examples, shell lines) kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            kept = line.startswith(" ") or not line
            lines.append(indent + line if kept else super()._fill_text(line, width, indent))
        return "\n".join(lines)


class UsageErrors(argparse.ArgumentParser):
    """Reports a bad command line as every other error: with `--json` on the command line, the
    JSON error object (code `usage`) on stdout; exit status 2 either way. Subparsers are made
    of the same class."""

    json_errors = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every add_argument, which asks `shutil` (and so its
        # compression modules) for the terminal width: the same width here, from `os`
        return self.formatter_class(prog=self.prog, width=_help_width())  # type: ignore[call-arg]

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """An unknown command: the commands there are (not the hidden `__complete`) and the
        nearest ones to what was typed."""
        if not isinstance(action, argparse._SubParsersAction) or value in action.choices:
            super()._check_value(action, value)
            return
        import difflib

        commands = [name for name in action.choices if not name.startswith("_")]
        near = difflib.get_close_matches(str(value), commands, n=3)
        guess = f"; did you mean {' or '.join(repr(name) for name in near)}?" if near else ""
        raise argparse.ArgumentError(
            action, f"unknown command {value!r}{guess} (commands: {', '.join(commands)})"
        )

    def error(self, message: str) -> NoReturn:
        if not self.json_errors:
            super().error(message)
        hint = f"`{self.prog} --help` shows the usage"
        report(CommandError(message, hint=hint, code="usage"), as_json=True)
        sys.exit(USAGE_ERROR)


def json_flag(default: Any = argparse.SUPPRESS) -> argparse.ArgumentParser:
    """A parent parser with `--json`, for fdpctl itself (`default=False`) and each command."""
    flags = UsageErrors(add_help=False)
    flags.add_argument(
        "--json", action="store_true", default=default, help="print JSON instead of text"
    )
    return flags


def _help_width() -> int:
    """The width argparse's help uses (what `shutil.get_terminal_size` gives, less 2)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2
