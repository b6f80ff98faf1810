"""`fdpctl`: parse the command line, run one command against fdpd, map failures to exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from fdpctl.errors import (
    DAEMON_UNREACHABLE,
    EXIT_CODES_HELP,
    INTERRUPTED,
    OUTPUT_CLOSED,
    USAGE_ERROR,
    CommandError,
    DaemonUnreachable,
)
from fdpctl.safe_output import SafeOutput
from fdpd import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, NoReturn

    from fdpctl.transport import DaemonClient, EventStream, Reply

    Handler = Callable[[argparse.Namespace, "Invocation"], int]


class Invocation:
    """What a command handler works with: output mode and a client that starts fdpd if needed."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self._client: DaemonClient | None = None

    @property
    def client(self) -> DaemonClient:
        if self._client is None:
            from fdpctl.transport import DAEMON_URL_VARIABLE, DaemonClient
            from fdpd.base.paths import LocationError, check_socket_path, resolve_locations

            try:
                locations = resolve_locations()
                if DAEMON_URL_VARIABLE not in os.environ:
                    check_socket_path(locations.socket_path)
            except LocationError as exc:
                raise DaemonUnreachable(str(exc)) from None
            self._client = DaemonClient(locations)
        return self._client

    def call(self, method: str, path: str, body: Any = None, *, autostart: bool = True) -> Reply:
        """One request to fdpd; if it is not running and `autostart`, start it and retry."""
        try:
            return self.client.request(method, path, body)
        except DaemonUnreachable:
            if not autostart:
                raise
        self._start_daemon()
        return self.client.request(method, path, body)

    def stream(
        self, method: str, path: str, body: Any = None, *, autostart: bool = True
    ) -> EventStream:
        """Like `call`, for answers that are NDJSON event streams."""
        try:
            return self.client.stream(method, path, body)
        except DaemonUnreachable:
            if not autostart:
                raise
        self._start_daemon()
        return self.client.stream(method, path, body)

    def _start_daemon(self) -> None:
        from fdpctl.autostart import ensure_running

        ensure_running(self.client)


def add_command(
    subparsers: Any, name: str, handler: Handler, help_text: str, description: str = ""
) -> argparse.ArgumentParser:
    """A leaf command; it accepts `--json` after the command as well as before it. Its help
    ends with its examples (fdpctl/examples.py)."""
    from fdpctl.examples import examples_text

    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help_text,
        description=description or help_text,
        parents=[_json_flag()],
        formatter_class=HelpText,
    )
    parser.epilog = examples_text(parser.prog.removeprefix("fdpctl ")) or None
    parser.set_defaults(handler=handler)
    return parser


class HelpText(argparse.HelpFormatter):
    """Prose wrapped to the terminal; indented lines (examples, shell lines) kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            kept = line.startswith(" ") or not line
            lines.append(indent + line if kept else super()._fill_text(line, width, indent))
        return "\n".join(lines)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command table, or (given `argv` naming a command) just that command's part."""
    parser = UsageErrors(
        prog="fdpctl",
        description="Command line of the FAIR Data Pipeline daemon (fdpd): every command is one "
        "call to fdpd, which is started in the background when needed.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_json_flag(default=False)],
    )
    parser.add_argument("--version", action="version", version=f"fdpctl {__version__}")
    # An explicit prog spares argparse a help formatter (and its imports) on every run.
    subparsers = parser.add_subparsers(
        title="commands", metavar="COMMAND", required=True, prog="fdpctl"
    )
    from fdpctl.commands import COMMAND_MODULES

    named = next((arg for arg in argv or [] if not arg.startswith("-")), None)
    # Importing only the named command's module keeps start-up cheap as commands multiply.
    for module_name in [named] if named in COMMAND_MODULES else COMMAND_MODULES:
        importlib.import_module(f"fdpctl.commands.{module_name}").register(subparsers)
    return parser


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
        _report(CommandError(message, hint=hint, code="usage"), as_json=True)
        sys.exit(USAGE_ERROR)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    UsageErrors.json_errors = "--json" in arguments
    with SafeOutput():  # every line written is safe for a terminal (fdpctl/safe_output.py)
        try:
            args = build_parser(arguments).parse_args(arguments)
            return _run(args)
        except BrokenPipeError:
            return _output_closed()


def _run(args: argparse.Namespace) -> int:
    invocation = Invocation(as_json=args.json)
    try:
        code: int = args.handler(args, invocation)
        sys.stdout.flush()  # here, not at exit: a reader that has gone is an error we handle
        return code
    except CommandError as exc:
        _report(exc, invocation.as_json)
        return exc.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return INTERRUPTED


def _output_closed() -> int:
    """What reads our output has gone (`fdpctl log | head -1`): stop quietly, as Unix tools do.
    Output still buffered is dropped, so the flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return OUTPUT_CLOSED


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


def _json_flag(default: Any = argparse.SUPPRESS) -> argparse.ArgumentParser:
    flags = UsageErrors(add_help=False)
    flags.add_argument(
        "--json", action="store_true", default=default, help="print JSON instead of text"
    )
    return flags


def _report(exc: CommandError, as_json: bool) -> None:
    if as_json:
        import json

        error = {"code": exc.code or _default_code(exc), "message": exc.message, "hint": exc.hint}
        print(json.dumps({"error": error}))
        return
    print(f"fdpctl: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(f"  hint: {exc.hint}", file=sys.stderr)


def _default_code(exc: CommandError) -> str:
    return "unreachable" if exc.exit_code == DAEMON_UNREACHABLE else "failed"
