"""Another local user cannot open fdpd's socket: it is 0600 inside a 0700 folder.

Both layers are checked on their own: the folder refuses a second user, and if that folder were
opened up, the socket itself still would. Needs root (to act as `nobody`).
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fdp_process import FdpInstance

CONNECT = """
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    s.sendall(b"GET /v1/daemon/status HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n")
    print("answered:", s.recv(200))
except PermissionError as error:
    print("refused:", error.strerror)
"""


def _connect_as_nobody(socket_path: Path) -> str:
    nobody = pwd.getpwnam("nobody")

    def become_nobody() -> None:
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)

    result = subprocess.run(
        [_interpreter_others_can_run(), "-I", "-c", CONNECT, str(socket_path)],
        preexec_fn=become_nobody,
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _interpreter_others_can_run() -> str:
    """A Python that `nobody` may execute (this virtualenv may live under a private /root)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", sys.executable):
        path = Path(candidate).resolve()
        folders_open = all(folder.stat().st_mode & stat.S_IXOTH for folder in path.parents)
        if path.exists() and folders_open and path.stat().st_mode & stat.S_IXOTH:
            return str(path)
    pytest.skip("no Python interpreter on this machine that another user may execute")


@pytest.fixture
def open_home(secured_fdp: FdpInstance) -> FdpInstance:
    """The shared instance, its home made traversable so only fdp's own modes protect it."""
    if os.geteuid() != 0:
        pytest.skip("acting as a second user (nobody) needs root; these tests run as a user")
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("this machine has no `nobody` user to act as")
    secured_fdp.home.chmod(0o755)
    return secured_fdp


def test_socket_and_its_folder_are_private(secured_fdp: FdpInstance) -> None:
    socket_path = secured_fdp.locations.socket_path
    assert stat.S_IMODE(socket_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700
    assert socket_path.stat().st_uid == os.geteuid()


def test_another_user_is_refused_by_the_folder(open_home: FdpInstance) -> None:
    assert _connect_as_nobody(open_home.locations.socket_path) == "refused: Permission denied"


def test_another_user_is_refused_by_the_socket_itself(open_home: FdpInstance) -> None:
    run_dir = open_home.locations.socket_path.parent
    run_dir.chmod(0o711)  # let `nobody` reach the socket; only its 0600 mode stands in the way
    try:
        answer = _connect_as_nobody(open_home.locations.socket_path)
    finally:
        run_dir.chmod(0o700)
    assert answer == "refused: Permission denied"
    # The owner still gets in.
    assert open_home.request("GET", "/v1/daemon/status").status == 200
