"""How fdpctl fails: a message, a hint, and the exit code documented in `fdpctl --help`."""

from __future__ import annotations

import sys

SUCCESS = 0
OPERATION_FAILED = 1
USAGE_ERROR = 2
DAEMON_UNREACHABLE = 3
MODEL_FAILED = 4  # `run`: the model's own failure, whatever status it exited with
NOT_REPRODUCED = 5  # `rerun`: an output came out different from the original's
INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
OUTPUT_CLOSED = 141  # 128 + SIGPIPE: what reads the output has gone (`fdpctl log | head -1`)

EXIT_CODES_HELP = """exit codes:
  0    success
  1    the operation failed (fdpd said why), also when some item of a pull, push or
       update failed; `fdpctl log` records the operation as failed
  2    usage error (bad command line)
  3    fdpd unreachable (not running and could not be started)
  4    run: the model failed (its script exited non-zero or was killed by a signal);
       fdpctl prints its exit status, which `--json` and `fdpctl log JOB` also give
  5    rerun: not reproduced: an output differs from the original run's (or is
       missing, or the model failed in the rerun); fdpctl prints the differences
  130  interrupted: the operation was cancelled (Ctrl-C, or `fdpctl cancel`), or a
       second Ctrl-C detached fdpctl from it (it goes on in fdpd)
  141  what read fdpctl's output closed it (`fdpctl log | head -1`), as for other
       Unix tools; fdpctl stops quietly (an operation it started goes on in fdpd)

Ctrl-C in a command that streams an operation (run, pull, push, update) asks fdpd to
cancel it at its next safe point; a second Ctrl-C detaches."""


class CommandError(Exception):
    """Ends the command: fdpctl prints `message` and `hint` and exits with `exit_code`."""

    exit_code = OPERATION_FAILED

    def __init__(self, message: str, hint: str = "", code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


class OperationFailed(CommandError):
    exit_code = OPERATION_FAILED


class DaemonUnreachable(CommandError):
    exit_code = DAEMON_UNREACHABLE


class Interrupted(CommandError):
    """The operation was cancelled, or fdpctl stopped following it (Ctrl-C)."""

    exit_code = INTERRUPTED


def report(exc: CommandError, as_json: bool) -> None:
    """How every failure reaches the user: the JSON error object on stdout with `--json`,
    else `fdpctl: message` and its hint on stderr."""
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
