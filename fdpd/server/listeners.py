"""The sockets fdpd serves on: its private Unix socket, systemd's sockets, an optional TCP port.

fdpd binds the Unix socket itself (uvicorn's `--uds` would leave it 0666): 0600, in a 0700
folder, after checking that no other fdpd answers on it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import stat
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.paths import check_socket_path

SD_LISTEN_FDS_START = 3
LOCAL_HOSTS = frozenset({"localhost"})


class AlreadyRunning(FdpError):
    code = ErrorCode.ALREADY_RUNNING


@dataclass(frozen=True)
class TcpAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_tcp_address(text: str) -> TcpAddress:
    """`HOST:PORT` or `[IPV6]:PORT` -> TcpAddress; raises ValueError with a readable reason."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:8765)")
    port = int(port_text)
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is not between 1 and 65535")
    return TcpAddress(host.removeprefix("[").removesuffix("]"), port)


def is_loopback(host: str) -> bool:
    if host.lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def systemd_sockets(environ: MutableMapping[str, str]) -> list[socket.socket]:
    """Sockets handed over by systemd socket activation, or [] when there are none for us.

    The variables are removed so that processes fdpd starts do not think they are meant too.
    """
    listen_pid = environ.pop("LISTEN_PID", None)
    listen_fds = environ.pop("LISTEN_FDS", None)
    environ.pop("LISTEN_FDNAMES", None)
    if listen_pid is None or listen_fds is None:
        return []
    if not listen_pid.isdigit() or int(listen_pid) != os.getpid() or not listen_fds.isdigit():
        return []
    sockets = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + int(listen_fds)):
        os.set_inheritable(fd, False)
        sockets.append(socket.socket(fileno=fd))
    return sockets


def bind_unix_socket(path: Path, pid_path: Path) -> socket.socket:
    """Bind `path` (0600) after making sure no fdpd answers there; unlink a stale socket."""
    check_socket_path(path)
    _clear_stale_socket(path, pid_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _umask(0o177):  # no window in which the socket exists with wider permissions
            sock.bind(str(path))
        os.chmod(path, 0o600)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise FdpError(
            f"cannot listen on {path}: {exc.strerror}",
            hint="check the folder, or set FDP_SOCKET to another path",
            code=ErrorCode.BIND_FAILED,
        ) from None
    return sock


def bind_tcp_socket(address: TcpAddress, allow_remote: bool) -> socket.socket:
    if not allow_remote and not is_loopback(address.host):
        raise FdpError(
            f"refusing to listen on {address}: it is not a loopback address",
            hint="use 127.0.0.1 or [::1], or pass --allow-remote if you really mean it",
            code=ErrorCode.REMOTE_REFUSED,
        )
    try:
        infos = socket.getaddrinfo(
            address.host, address.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        family, kind, proto, _, sockaddr = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise FdpError(f"cannot resolve {address}: {exc}", code=ErrorCode.BIND_FAILED) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise FdpError(
            f"cannot listen on {address}: {exc.strerror}",
            hint="choose another port with --tcp HOST:PORT",
            code=ErrorCode.BIND_FAILED,
        ) from None
    return sock


def socket_answers(path: Path, timeout: float = 1.0) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def read_pid(pid_path: Path) -> int | None:
    try:
        return int(pid_path.read_text().strip())
    except (OSError, ValueError):
        return None


def _clear_stale_socket(path: Path, pid_path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise FdpError(
            f"{path} exists and is not a socket",
            hint="remove it, or set FDP_SOCKET to another path",
            code=ErrorCode.BIND_FAILED,
        )
    if socket_answers(path):
        pid = read_pid(pid_path)
        raise AlreadyRunning(
            f"fdpd already running (pid {pid if pid is not None else 'unknown'})",
            hint=f"it listens on {path}; stop it with `fdpctl daemon stop`",
        )
    path.unlink(missing_ok=True)


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)
