"""fdpctl's output layer in process: what reaches stdout and stderr is escaped, but for fdpctl's
own sequences, which no text from elsewhere can forge."""

from __future__ import annotations

import io
import sys

import pytest

from fdpctl.cli import main
from fdpctl.safe_output import SafeOutput, SafeText, own, styled, terminal_safe


def test_control_and_format_characters_show_escaped_but_lines_and_tabs_stay() -> None:
    text = "a\x1b]52;c;ZXZpbA==\x07b\r\x9b2J\u202ec\u200bd\n\te"
    assert terminal_safe(text) == "a\\x1b]52;c;ZXZpbA==\\x07b\\r\\x9b2J\\u202ec\\u200bd\n\te"


def test_own_sequences_pass_and_a_forged_mark_does_not() -> None:
    assert terminal_safe(styled("title", "1")) == "\x1b[1mtitle\x1b[0m"
    assert terminal_safe("x" + own("\r\x1b[K") + "y") == "x\r\x1b[Ky"
    forged = "\x1b" + "0" * 24 + "\x1b[2J" + "\x1b" + "0" * 24
    assert "\x1b[2J" not in terminal_safe(forged)


def test_every_write_of_a_command_goes_through_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):  # argparse's usage error, printed through the layer
        main(["completion", "no-such-shell\x1b]0;x\x07"])
    shown = capsys.readouterr().err
    assert "no-such-shell\\x1b]0;x\\x07" in shown and "\x1b" not in shown
    assert not isinstance(sys.stdout, SafeText)  # put back after the command


def test_safe_output_restores_and_does_not_stack() -> None:
    raw = io.StringIO()
    saved = sys.stdout
    sys.stdout = raw
    try:
        with SafeOutput(), SafeOutput():
            print(styled("ok", "32"), "\x1b[2J")
    finally:
        sys.stdout = saved
    assert raw.getvalue() == "\x1b[32mok\x1b[0m \\x1b[2J\n"
