"""One fdpd per socket: an exclusive lock and the pid file, both beside the socket."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from fdpd.server.listeners import AlreadyRunning, read_pid


class InstanceLock:
    """Held for the daemon's lifetime; a second fdpd on the same socket cannot take it."""

    def __init__(self, socket_path: Path, pid_path: Path) -> None:
        self.lock_path = socket_path.with_name("fdpd.lock")
        self.pid_path = pid_path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = read_pid(self.pid_path)
            raise AlreadyRunning(
                f"fdpd already running (pid {pid if pid is not None else 'unknown'})",
                hint="stop it with `fdpctl daemon stop`",
            ) from None
        self._fd = fd

    def write_pid(self) -> None:
        tmp = self.pid_path.with_name(self.pid_path.name + ".tmp")
        tmp.write_text(f"{os.getpid()}\n")
        tmp.replace(self.pid_path)

    def release(self) -> None:
        if read_pid(self.pid_path) == os.getpid():
            self.pid_path.unlink(missing_ok=True)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
