"""What `fdpctl --help` and a mistyped command line show (issue 21, item 6): every command's help
ends with examples that parse as written; an item is called ITEM, never TOKEN (which reads as an
API token); an unknown command gets a "did you mean" and never the hidden `__complete`.

fdpctl's `main` runs in process for each command (tests/fdpctl_in_process.py); the real fdpctl once,
for a mistyped command line and to show its help is what `main` prints in process."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fdpctl.cli import build_parser
from fdpctl.examples import EXAMPLES
from tests.fdp_process import FDPCTL
from tests.fdpctl_in_process import fdpctl_main

ITEM_COMMANDS = ("commit", "uncommit", "delete", "status", "info")


def leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command fdpctl has (`remote add`...), by path, with its parser; not `__complete`."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield " ".join(path), parser
        return
    for name, sub in groups[0].choices.items():
        if not name.startswith("_"):
            yield from leaves(sub, (*path, name))


COMMANDS = dict(leaves(build_parser()))


def fdpctl(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FDP_")}
    env.update(FDP_HOME=str(home), FDP_SOCKET=str(home / "none.sock"), COLUMNS="100")
    return subprocess.run([str(FDPCTL), *args], env=env, capture_output=True, text=True, timeout=60)


def test_the_real_fdpctl_prints_the_help_main_prints_in_process(tmp_path: Path) -> None:
    for command in ("push", "remote add"):
        real = fdpctl(*command.split(), "--help", home=tmp_path)
        assert real.returncode == 0, real.stderr
        assert real.stdout == fdpctl_main(*command.split(), "--help", home=tmp_path).stdout


def test_the_examples_table_names_every_command_and_no_other() -> None:
    assert sorted(EXAMPLES) == sorted(COMMANDS)
    assert all(1 <= len(shown) <= 3 for shown in EXAMPLES.values())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_ends_with_examples_that_parse_as_written(command: str, tmp_path: Path) -> None:
    shown = fdpctl_main(*command.split(), "--help", home=tmp_path)

    assert shown.returncode == 0, shown.stderr
    section = shown.stdout.split("\nexamples:\n", 1)
    assert len(section) == 2, f"fdpctl {command} --help has no examples:\n{shown.stdout}"
    examples = [line.strip() for line in section[1].splitlines() if line.startswith("  fdpctl ")]
    assert examples == [example for example, _ in EXAMPLES[command]]
    for example in examples:
        argv = shlex.split(example)[1:]
        try:
            parsed = build_parser(argv).parse_args(argv)
        except SystemExit:
            pytest.fail(f"the example `{example}` of fdpctl {command} does not parse")
        assert parsed.handler is COMMANDS[command].get_default("handler"), example


@pytest.mark.parametrize("command", ITEM_COMMANDS)
def test_an_item_is_called_item_never_token(command: str, tmp_path: Path) -> None:
    helped = fdpctl_main(command, "--help", home=tmp_path)
    assert "ITEM|PATH" in helped.stdout
    assert "TOKEN" not in helped.stdout

    if command != "status":  # status without an item lists them all
        missing = fdpctl_main(command, home=tmp_path)
        assert missing.returncode == 2
        assert "the following arguments are required: ITEM|PATH" in missing.stderr


def test_an_unknown_command_suggests_the_nearest_and_hides_complete(tmp_path: Path) -> None:
    typo = fdpctl("stauts", home=tmp_path)

    assert typo.returncode == 2
    assert "unknown command 'stauts'; did you mean 'status'?" in typo.stderr
    assert "__complete" not in typo.stderr
    assert "Traceback" not in typo.stderr

    nested = fdpctl("remote", "ad", home=tmp_path)
    assert nested.returncode == 2
    assert "did you mean 'add'?" in nested.stderr

    far = fdpctl("xyzzy", home=tmp_path)
    assert far.returncode == 2
    assert "did you mean" not in far.stderr
    assert "commands: cancel, commit," in far.stderr and "__complete" not in far.stderr

    as_json = fdpctl("--json", "stauts", home=tmp_path)
    assert as_json.returncode == 2
    error = json.loads(as_json.stdout)["error"]
    assert sorted(error) == ["code", "hint", "message"]
    assert error["code"] == "usage"
    assert "did you mean 'status'?" in error["message"]
    assert "__complete" not in error["message"]
