"""Ctrl-C at `fdpd registry serve` in a terminal: the server stops cleanly and says so, with no
traceback after it (issue 21, item 6)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.terminal import interrupt_on_terminal
from tests.conftest import free_port
from tests.fdp_process import FDPD


def test_ctrl_c_stops_the_registry_without_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FDP_")}
    env["FDP_HOME"] = str(tmp_path / "home")
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    command = [str(FDPD), "registry", "serve", "--port", str(free_port()), "--database", database]

    status, shown = interrupt_on_terminal(command, env, ready="Press CTRL+C to quit")

    assert "Finished server process" in shown, shown
    assert "Traceback" not in shown, shown
    assert "KeyboardInterrupt" not in shown, shown
    assert status == 130, shown
