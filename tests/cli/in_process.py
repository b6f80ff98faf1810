"""fdpctl in the test process: `fdpctl.cli.main` with its output captured, for what a process
proves nothing about (argument parsing, help, usage errors). fdpctl is standard library only and
reads its environment from `os.environ`, so the test's environment is set for the call."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from fdpctl.cli import main


@dataclass(frozen=True)
class Ran:
    """What a run of fdpctl gave: as `subprocess.CompletedProcess` (not used here: the test
    tree's process marker would take this for a process)."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in [name for name in os.environ if name.startswith("FDP_")]:
            del os.environ[name]
        os.environ.update(values)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def fdpctl_main(*args: str, home: Path, columns: int = 100) -> Ran:
    """`fdpctl ARGS` as the real fdpctl would run with FDP_HOME `home` and no daemon at its
    socket: exit status, stdout and stderr (argparse's exits included)."""
    out, err = io.StringIO(), io.StringIO()
    environment = {
        "FDP_HOME": str(home),
        "FDP_SOCKET": str(home / "none.sock"),
        "COLUMNS": str(columns),
    }
    with _environment(environment), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return Ran(args, code, out.getvalue(), err.getvalue())
