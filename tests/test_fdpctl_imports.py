"""fdpctl stays small at run time: the standard library, itself, `fdpd.base.paths`,
`fdpd.base.units` and `fdpd.base.escaping`.

It reads the daemon's answers through `fdpd.base.wire`'s types, but only when type checking; if a
change made it import the wire module (and so typing_extensions), pydantic, httpx or any other
package at run time, its start-up would grow from tens of milliseconds, which this catches.
A command without options (`fdpctl daemon status`) goes further (issue 27: at most 1.5x
`python -c pass`): no argparse, `re`, `json` or `pathlib`, each of which costs more than the rest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ALLOWED_FDPD = {"fdpd", "fdpd.base", "fdpd.base.escaping", "fdpd.base.paths", "fdpd.base.units"}
# what Python's start-up loads before fdpctl's first line (site, and setuptools' .pth hook)
STARTUP = ("fdpctl", "fdpd", "sitecustomize", "usercustomize", "_distutils_hack")
# 107 today, for `--help` (every command registered); since fdpctl imports its command modules
# with `__import__` they are counted too (-X importtime did not show importlib.import_module's)
MOST_MODULES = 120


def imported_modules(
    tmp_path: Path, *args: str, python_args: tuple[str, ...] = ("-m", "fdpctl")
) -> list[str]:
    env = {**os.environ, "FDP_HOME": str(tmp_path), "FDP_SOCKET": str(tmp_path / "none.sock")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *python_args, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    return [line.rsplit("|", 1)[1].strip() for line in lines[1:]]


def test_fdpctl_imports_only_the_standard_library(tmp_path: Path) -> None:
    # commands that never start fdpd (`--help` loads every command module)
    for args in (["--help"], ["--json", "daemon", "status"], ["status", "--help"]):
        modules = imported_modules(tmp_path, *args)
        assert modules, f"no -X importtime output for fdpctl {args}"
        foreign = sorted(
            name
            for name in modules
            if name.split(".")[0] not in sys.stdlib_module_names
            and name.split(".")[0] not in STARTUP
        )
        assert not foreign, f"fdpctl {' '.join(args)} imports {foreign}"
        daemon_side = sorted(n for n in modules if n.split(".")[0] == "fdpd")
        assert set(daemon_side) <= ALLOWED_FDPD, f"fdpctl imports {daemon_side}"
        assert len(modules) <= MOST_MODULES, f"fdpctl {args} imports {len(modules)} modules"


def test_fdpctl_skips_the_costly_standard_modules_it_can_do_without(tmp_path: Path) -> None:
    # `shutil` (argparse's terminal width) imports zlib, bz2 and lzma; `socket` makes enums of
    # every constant at import: fdpctl uses `os` and `_socket` instead (issue 27)
    for args in (["daemon", "status"], ["--json", "daemon", "status"]):
        modules = set(imported_modules(tmp_path, *args))
        assert "fdpctl.transport" in modules, f"no -X importtime output for fdpctl {args}"
        costly = sorted(modules & {"shutil", "socket", "selectors", "lzma", "bz2"})
        assert not costly, f"fdpctl {' '.join(args)} imports {costly}"


# argparse (re, gettext, locale), json (re), pathlib (re, fnmatch, urllib), re (enum, functools,
# collections), typing: each costs more start-up than the whole of `fdpctl daemon status`
NOT_WITHOUT_OPTIONS = {
    "argparse",
    "collections",
    "enum",
    "fnmatch",
    "functools",
    "gettext",
    "json",
    "locale",
    "pathlib",
    "re",
    "typing",
    "urllib",
}


def test_a_command_without_options_runs_without_argparse_re_json_or_pathlib(
    tmp_path: Path,
) -> None:
    # as the `fdpctl` console script runs (no runpy); fdpd is not running, so the answer is an
    # error, but every module the command needs is imported before it connects
    console_script = "import sys; from fdpctl.__main__ import main; sys.exit(main())"
    for args in (["daemon", "status"], ["daemon", "stop"]):  # neither starts fdpd
        modules = set(imported_modules(tmp_path, *args, python_args=("-c", console_script)))
        assert "fdpctl.transport" in modules, f"no -X importtime output for fdpctl {args}"
        heavy = sorted({name.split(".")[0] for name in modules} & NOT_WITHOUT_OPTIONS)
        assert not heavy, f"fdpctl {' '.join(args)} imports {heavy}"
