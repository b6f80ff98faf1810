"""Starting, finding, refusing and stopping fdpd, driven through the real fdpctl."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
from pathlib import Path

from tests.conftest import free_port
from tests.fdp_process import FdpInstance
from tests.fdpctl_in_process import fdpctl_main


def _running(pid: int) -> bool:
    """Whether `pid` runs: an exited process that init has not reaped yet (a zombie) does not."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False


def _mode(path: os.PathLike[str]) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_fdpctl_starts_fdpd_on_demand_and_stops_it(fdp: FdpInstance) -> None:
    assert fdp.run_fdpctl("daemon", "status").returncode == 3

    listed = fdp.run_fdpctl("--json", "log")

    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {"operations": [], "jobs": [], "reruns": []}
    status = json.loads(fdp.run_fdpctl("--json", "daemon", "status").stdout)
    pid = status["pid"]
    assert pid == fdp.daemon_pid()
    assert status["listeners"]["socket"] == str(fdp.locations.socket_path)
    assert _mode(fdp.locations.socket_path) == 0o600
    assert _mode(fdp.locations.socket_path.parent) == 0o700
    assert _mode(fdp.locations.state_dir) == 0o700

    stopped = fdp.run_fdpctl("daemon", "stop")

    assert stopped.returncode == 0, stopped.stderr
    assert f"pid {pid}" in stopped.stdout
    assert not _running(pid)
    assert not fdp.locations.socket_path.exists()
    assert fdp.run_fdpctl("daemon", "status").returncode == 3


def test_daemon_start_reports_an_already_running_daemon(running_fdp: FdpInstance) -> None:
    result = running_fdp.run_fdpctl("daemon", "start")

    assert result.returncode == 0
    assert f"already running (pid {running_fdp.daemon_pid()})" in result.stdout


def test_second_fdpd_is_refused(running_fdp: FdpInstance) -> None:
    second = running_fdp.spawn_daemon()
    _, stderr = second.communicate(timeout=15)

    assert second.returncode == 1
    assert f"fdpd already running (pid {running_fdp.daemon_pid()})" in stderr.decode()
    assert running_fdp.request("GET", "/v1/ping").status == 200


def test_stale_socket_is_replaced(fdp: FdpInstance) -> None:
    fdp.locations.ensure()
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(fdp.locations.socket_path))  # bound, never listening: what a crash leaves
    dead.close()

    fdp.start_daemon()

    assert fdp.run_fdpctl("daemon", "status").returncode == 0


def test_unreachable_daemon_url_exits_3(fdp: FdpInstance) -> None:
    result = fdp.run_fdpctl("log", env={"FDP_DAEMON_URL": f"http://127.0.0.1:{free_port()}"})

    assert result.returncode == 3
    assert "fdpd is not answering" in result.stderr


def test_failed_auto_start_names_the_command_and_the_log(fdp: FdpInstance) -> None:
    fdp.locations.ensure()
    fdp.locations.socket_path.write_text("not a socket")  # fdpd refuses to remove it

    result = fdp.run_fdpctl("log")

    assert result.returncode == 3
    assert "-m fdpd" in result.stderr
    output_log = fdp.locations.log_dir / "fdpd-output.log"
    assert str(output_log) in result.stderr
    assert "exists and is not a socket" in output_log.read_text()


def test_usage_errors_exit_2_and_help_lists_exit_codes(tmp_path: Path) -> None:
    """fdpctl's `main` in process (tests/fdpctl_in_process.py): no fdpd is asked."""
    assert fdpctl_main("daemon", "frobnicate", home=tmp_path).returncode == 2
    assert fdpctl_main("log", "--limit", "0", home=tmp_path).returncode == 2
    assert fdpctl_main(home=tmp_path).returncode == 2
    helped = fdpctl_main("--help", home=tmp_path)
    assert helped.returncode == 0
    for line in (
        "0    success",
        "1    the operation failed",
        "2    usage error",
        "3    fdpd unreachable",
        "4    run: the model failed",
        "130  interrupted",
    ):
        assert line in helped.stdout


def test_sigterm_ends_fdpd_promptly_with_a_stream_open(running_fdp: FdpInstance) -> None:
    process = running_fdp.daemons[0]
    connection, stream = running_fdp.open_stream("GET", "/v1/operations/follow")
    assert stream.status == 200
    assert running_fdp.run_fdpctl("daemon", "check").returncode == 0
    followed = json.loads(stream.readline())
    assert followed["type"] == "event" and followed["verb"] == "daemon check"

    process.send_signal(signal.SIGTERM)
    rest = stream.read().decode()
    status = process.wait(timeout=10)
    connection.close()

    assert status == 0
    # streams end at once: uvicorn's grace period never ran out (it logs when it does)
    said = running_fdp.locations.daemon_log_path.read_text() + running_fdp.daemon_output.read_text()
    assert "graceful shutdown exceeded" not in said
    assert json.loads(rest.splitlines()[-1])["type"] == "end"
    assert not running_fdp.locations.socket_path.exists()
    assert not running_fdp.locations.pid_path.exists()
