"""`fdpctl`: parse the command line, run one command against fdpd, map failures to exit codes.

A command with no argument but `--json` (`fdpctl daemon status`) runs without argparse: `argparse`
imports `re`, `gettext` and `enum`, which cost more start-up than the rest of the command; every
other command line is argparse's (fdpctl/parser.py), its help and usage errors included.
"""

from __future__ import annotations

import os
import sys

from fdpctl.errors import INTERRUPTED, OUTPUT_CLOSED, CommandError, DaemonUnreachable, report
from fdpctl.safe_output import SafeOutput

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from argparse import Namespace
    from collections.abc import Callable
    from typing import Any

    from fdpctl.transport import DaemonClient, EventStream, Reply

    Handler = Callable[[argparse.Namespace, "Invocation"], int]
else:

    class Namespace:
        """What a command handler is given for a command line parsed without argparse: the
        attributes argparse's `Namespace` would have (`types` would cost an import)."""

        def __init__(self, **values: Any) -> None:
            self.__dict__.update(values)


class Invocation:
    """What a command handler works with: output mode and a client that starts fdpd if needed."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self._client: DaemonClient | None = None

    @property
    def client(self) -> DaemonClient:
        if self._client is None:
            from fdpctl.transport import DAEMON_URL_VARIABLE, DaemonClient
            from fdpd.base.paths import LocationError, check_socket_path, resolve_socket_path

            try:
                socket_path = resolve_socket_path()
                if DAEMON_URL_VARIABLE not in os.environ:
                    check_socket_path(socket_path)
            except LocationError as exc:
                raise DaemonUnreachable(str(exc)) from None
            self._client = DaemonClient(socket_path)
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
    from fdpctl.parser import HelpText, json_flag

    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help_text,
        description=description or help_text,
        parents=[json_flag()],
        formatter_class=HelpText,
    )
    parser.epilog = examples_text(parser.prog.removeprefix("fdpctl ")) or None
    parser.set_defaults(handler=handler)
    return parser


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command table, or (given `argv` naming a command) just that command's part."""
    import argparse

    from fdpctl.commands import COMMAND_MODULES
    from fdpctl.errors import EXIT_CODES_HELP
    from fdpctl.parser import UsageErrors, json_flag
    from fdpd import __version__

    parser = UsageErrors(
        prog="fdpctl",
        description="Command line of the FAIR Data Pipeline daemon (fdpd): every command is one "
        "call to fdpd, which is started in the background when needed.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[json_flag(default=False)],
    )
    parser.add_argument("--version", action="version", version=f"fdpctl {__version__}")
    # An explicit prog spares argparse a help formatter (and its imports) on every run.
    subparsers = parser.add_subparsers(
        title="commands", metavar="COMMAND", required=True, prog="fdpctl"
    )
    named = next((arg for arg in argv or [] if not arg.startswith("-")), None)
    # Importing only the named command's module keeps start-up cheap as commands multiply.
    for module_name in [named] if named in COMMAND_MODULES else COMMAND_MODULES:
        _command_module(module_name).register(subparsers)
    return parser


def plain_command(argv: list[str]) -> Namespace | None:
    """What argparse would make of `argv` if it names a command of `PLAIN_COMMANDS` with no
    more than `--json` before or after it (`fdpctl --json daemon status`), or a command of
    `PLAIN_PARSED` whose module parses its words itself (`fdpctl run CONFIG --dirty`); else
    None."""
    from fdpctl.commands import PLAIN_COMMANDS, PLAIN_PARSED

    words = [arg for arg in argv if arg != "--json"]
    if words and words[0] in PLAIN_PARSED:
        module = _command_module(words[0])
        parsed = module.plain_arguments(words[1:])
        if parsed is None:
            return None
        handler = getattr(module, PLAIN_PARSED[words[0]])
        return Namespace(json="--json" in argv, handler=handler, **parsed)
    handler = PLAIN_COMMANDS.get(" ".join(words))
    if handler is None or argv[argv.index(words[0]) : argv.index(words[-1]) + 1] != words:
        return None
    module_name, _, function = handler.partition(":")
    return Namespace(json="--json" in argv, handler=getattr(_command_module(module_name), function))


def _command_module(name: str) -> Any:
    module = f"fdpctl.commands.{name}"
    __import__(module)
    return sys.modules[module]


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    with SafeOutput():  # every line written is safe for a terminal (fdpctl/safe_output.py)
        try:
            args = plain_command(arguments)
            return _run(_parse(arguments) if args is None else args)
        except BrokenPipeError:
            return _output_closed()


def _parse(arguments: list[str]) -> argparse.Namespace:
    from fdpctl.parser import UsageErrors

    UsageErrors.json_errors = "--json" in arguments
    return build_parser(arguments).parse_args(arguments)


def _run(args: argparse.Namespace) -> int:
    invocation = Invocation(as_json=args.json)
    try:
        code: int = args.handler(args, invocation)
        sys.stdout.flush()  # here, not at exit: a reader that has gone is an error we handle
        return code
    except CommandError as exc:
        report(exc, invocation.as_json)
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
