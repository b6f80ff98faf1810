"""systemd and launchd definitions: well-formed, and naming options fdpd really has."""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fdpd.server.command import build_parser

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "systemd" / "fdpd.service"
SOCKET = ROOT / "systemd" / "fdpd.socket"
PLIST = ROOT / "launchd" / "org.fairdatapipeline.fdpd.plist"


def _unit(path: Path) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{path}: {line!r} is not KEY=VALUE"
        current[key.strip()] = value.strip()
    return sections


def _assert_real_fdpd_command(argv: list[str]) -> None:
    assert Path(argv[0]).name == "fdpd"
    build_parser().parse_args(argv[1:])  # exits (SystemExit) on an option fdpd lacks


def test_systemd_service_is_a_notify_unit_running_real_fdpd() -> None:
    service = _unit(SERVICE)["Service"]

    assert service["Type"] == "notify"
    assert service["Restart"] == "on-failure"
    _assert_real_fdpd_command(shlex.split(service["ExecStart"]))


def test_systemd_socket_is_private() -> None:
    socket_section = _unit(SOCKET)["Socket"]

    assert socket_section["ListenStream"] == "%t/fdp/fdpd.sock"
    assert socket_section["SocketMode"] == "0600"
    assert socket_section["DirectoryMode"] == "0700"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    fdpd = Path(sys.executable).with_name("fdpd")
    # verify checks that ExecStart exists: point it at the fdpd installed beside this Python.
    service = SERVICE.read_text().replace("%h/.local/bin/fdpd", str(fdpd))
    (units / "fdpd.service").write_text(service)
    shutil.copy(SOCKET, units / "fdpd.socket")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)

    result = subprocess.run(
        ["systemd-analyze", "verify", "--user", "fdpd.socket", "fdpd.service"],
        cwd=units,
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    # systemd-analyze only warns about bad values; any line naming our units is a problem.
    assert "fdpd.s" not in result.stderr, result.stderr


def test_launchd_agent_runs_real_fdpd_and_logs_under_library_logs() -> None:
    agent = plistlib.loads(PLIST.read_bytes())

    assert agent["Label"] == "org.fairdatapipeline.fdpd"
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"]
    _assert_real_fdpd_command(agent["ProgramArguments"])
    for key in ("StandardOutPath", "StandardErrorPath"):
        assert "/Library/Logs/" in agent[key]
