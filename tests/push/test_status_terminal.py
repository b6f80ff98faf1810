"""`fdpctl status` colours item names on a terminal only: the real fdpctl on a pseudo-terminal
against a real fdpd running a real pyDataPipeline model."""

from __future__ import annotations

from tests.cli.terminal import run_on_terminal
from tests.fdp_process import FDPCTL
from tests.push.processes import Site, ana, remote, write_config

__all__ = ["ana", "remote"]


def test_status_colours_names_on_a_terminal_only(ana: Site) -> None:
    project = ana.project("colour", {"config.yaml": write_config("colour/x")})
    ana.run_model(project, "config.yaml", MODEL_WRITES="colour/x")
    status, shown = run_on_terminal([str(FDPCTL), "status"], ana.instance.env)
    assert status == 0, shown
    assert "\x1b[1mLocal only, not committed\x1b[0m: 2 items" in shown
    assert "\x1b[33mana:colour/x@0.0.1\x1b[0m" in shown
    piped = ana.ok("status")
    assert "\x1b[" not in piped and "    ana:colour/x@0.0.1\n" in piped
