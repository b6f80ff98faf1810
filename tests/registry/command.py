"""`fdpd registry add-user` and `grant` in process: `fdpd.cli.main`, which the `fdpd` console
script calls, with what it printed and its exit status (argparse's exit on a wrong command line
included). An exception it lets escape fails the test, as a traceback would show. The real
command, a process, stays in tests/registry/test_shared_users.py's key digest test."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

from fdpd.cli import main


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def fdpd(*argv: str) -> Ran:
    """`fdpd ARGV...` in process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit:  # argparse refusing the command line
            code = exit.code if isinstance(exit.code, int) else 1
    return Ran(code, out.getvalue(), err.getvalue())


def add_user(database_url: str, name: str) -> str:
    """`fdpd registry add-user NAME --database URL`, which must succeed: the new key."""
    added = fdpd("registry", "add-user", name, "--database", database_url)
    assert added.returncode == 0, added.stderr
    return added.stdout.strip()
