"""What fdpctl does without its heavier modules, done as they would do it (issue 27).

A command with no argument but `--json` runs without argparse (`fdpctl.cli.plain_command`), the
socket's path comes without pathlib (`fdpd.base.paths.resolve_socket_path`) and fdpd's answers
are decoded without the `json` package (`fdpctl.json_answer.parse_json`). Each must give what the
module it spares would give; tests/test_fdpctl_imports.py checks that they are spared.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fdpctl.cli import build_parser, plain_command
from fdpctl.commands import PLAIN_COMMANDS
from fdpctl.json_answer import parse_json
from fdpd.base.paths import resolve_locations, resolve_socket_path


@pytest.mark.parametrize("command", sorted(PLAIN_COMMANDS))
def test_a_plain_command_is_what_argparse_makes_of_it(command: str) -> None:
    words = command.split()
    for argv in (
        words,
        ["--json", *words],
        [*words, "--json"],
        ["--json", *words, "--json"],
    ):
        plain = plain_command(argv)
        assert plain is not None, argv
        assert vars(plain) == vars(build_parser(argv).parse_args(argv)), argv


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--json"],
        ["daemon"],
        ["daemon", "--json", "status"],  # `daemon` itself takes no --json: a usage error
        ["daemon", "status", "now"],
        ["daemon", "status", "-h"],
        ["--help", "daemon", "status"],
        ["--js", "daemon", "status"],  # argparse's abbreviation of --json
        ["daemon", "status", "--json=1"],
        ["--version"],
        ["status"],
        ["remote", "list", "origin"],
        ["daemon", "daemon", "status"],
    ],
)
def test_any_other_command_line_goes_to_argparse(argv: list[str]) -> None:
    assert plain_command(argv) is None


@pytest.mark.parametrize(
    "environ",
    [
        {"FDP_HOME": "/home/ana/fdp"},
        {"FDP_HOME": "/"},
        {"FDP_HOME": "/home/ana/fdp/"},
        {"FDP_HOME": "/home//ana/./fdp"},
        {"FDP_HOME": "/home/ana/../bob"},
        {"FDP_HOME": "//srv/fdp"},
        {"FDP_HOME": "~/fdp"},
        {"FDP_HOME": "relative/fdp"},
        {"FDP_HOME": "/home/ana/fdp", "FDP_SOCKET": "/tmp/fdp.sock"},
        {"FDP_HOME": "/home/ana/fdp", "FDP_SOCKET": "run/../fdp.sock"},
        {"FDP_HOME": "/home/ana/fdp", "XDG_RUNTIME_DIR": "/run/user/1000"},
        {"FDP_SOCKET": "/tmp//x/fdp.sock", "XDG_RUNTIME_DIR": "/run/user/1000"},
        {"XDG_RUNTIME_DIR": "/run/user/1000"},
        {"XDG_RUNTIME_DIR": "/run/user/1000/"},
        {"XDG_RUNTIME_DIR": "run/user"},
        {"HOME": "/home/ana"},  # the platform's folders (platformdirs)
    ],
)
def test_the_socket_path_is_the_one_resolve_locations_gives(
    environ: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths are taken from the working folder
    for name in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", environ.get("HOME", "/home/ana"))
    env = {"HOME": os.environ["HOME"], **environ}
    assert resolve_socket_path(env) == str(resolve_locations(env).socket_path)


ANSWERS = [
    '{"version": "0.1.0", "pid": 12, "uptime_seconds": 1.5, "tcp": null, "ok": true}',
    '  \r\n\t[1, -2, 3.5e3, "\\u00e9t\\u00e9 \\ud83d\\ude00", {"a": {"b": []}}, false]\n',
    '"écrit en UTF-8 ✓"',
    '{"a": 1, "a": 2}',
    "[NaN, Infinity, -Infinity, 1E400, 12345678901234567890123]",
    "0",
]
NOT_JSON = [
    "",
    "   ",
    "{",
    '{"a": 1} {"b": 2}',
    '{"a": 1},',
    "[1, 2,]",
    '{"a" 1}',
    '"a\tb"',  # a raw tab in a string: strict JSON refuses it
    "nul",
    "01",
]


@pytest.mark.parametrize("text", ANSWERS)
def test_an_answer_decodes_as_json_loads_decodes_it(text: str) -> None:
    for raw in (text, text.encode(), text.encode("utf-8-sig"), text.encode("utf-16")):
        expected = json.loads(raw)
        decoded = parse_json(raw)
        assert json.dumps(decoded) == json.dumps(expected)
        assert type(decoded) is type(expected)


@pytest.mark.parametrize("text", NOT_JSON)
def test_what_is_not_json_fails_as_json_loads_fails(text: str) -> None:
    for raw in (text, text.encode(), b"\xff" + text.encode(), "\ufeff" + text):
        with pytest.raises(ValueError) as expected:  # JSONDecodeError, UnicodeDecodeError
            json.loads(raw)
        with pytest.raises(ValueError) as raised:
            parse_json(raw)
        assert (type(raised.value), str(raised.value)) == (
            type(expected.value),
            str(expected.value),
        )
