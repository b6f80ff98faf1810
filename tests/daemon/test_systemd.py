"""systemd integration: socket activation (LISTEN_FDS) and readiness (NOTIFY_SOCKET)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys

from tests.fdp_process import FDPD, FdpInstance

# Makes the listening socket fd 3 and sets LISTEN_PID to its own pid before exec'ing fdpd,
# which is exactly what systemd does for a socket-activated service.
ACTIVATE = """
import os, sys
inherited = int(sys.argv[1])
os.dup2(inherited, 3)
os.close(inherited)
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
os.execv(sys.argv[2], [sys.argv[2]])
"""


def test_socket_activation_uses_the_socket_it_is_given(fdp: FdpInstance) -> None:
    fdp.locations.ensure()
    path = fdp.locations.socket_path
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(16)
    inode = path.stat().st_ino
    fd = listener.fileno()

    process = fdp.start_daemon(
        command=[sys.executable, "-c", ACTIVATE, str(fd), str(FDPD)], pass_fds=[fd]
    )
    listener.close()  # fdpd holds its own copy now
    status = json.loads(fdp.run_fdpctl("--json", "daemon", "status").stdout)

    assert status["pid"] == process.pid
    assert status["listeners"]["socket_activated"] is True
    assert status["listeners"]["socket"] == str(path)
    assert path.stat().st_ino == inode  # served on, not re-bound
    assert fdp.stop_daemon(process) == 0
    assert path.exists()  # the socket belongs to systemd: fdpd must leave it in place


def test_ready_and_stopping_are_sent_to_notify_socket(fdp: FdpInstance) -> None:
    name = f"fdp-test-notify-{secrets.token_hex(4)}"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind("\0" + name)  # abstract namespace, as systemd uses ("@name")
    receiver.settimeout(15)
    try:
        process = fdp.spawn_daemon(env={"NOTIFY_SOCKET": "@" + name})
        ready = receiver.recv(256)
        answered = fdp.request("GET", "/v1/ping").status
        os.kill(process.pid, 15)
        stopping = receiver.recv(256)
        status = process.wait(timeout=10)
    finally:
        receiver.close()

    assert ready == b"READY=1"
    assert answered == 200  # READY=1 came only once fdpd was serving
    assert stopping == b"STOPPING=1"
    assert status == 0
