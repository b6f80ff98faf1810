"""The one place that decides where fdp keeps things.

`FDP_HOME=DIR` puts everything under DIR (tests, several instances side by side); otherwise
the platform's conventions apply (XDG on Linux, ~/Library on macOS). Standard library only at
import time: fdpctl imports this module and must start fast, so `pathlib` (which imports `re`,
`fnmatch` and `urllib`) is imported only by `resolve_locations`, and `resolve_socket_path` gives
fdpctl the socket's path without it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

APP_NAME = "fdp"

# sun_path is 108 bytes on Linux and 104 on macOS, both including the terminating NUL.
MAX_SOCKET_PATH_BYTES = 103 if sys.platform == "darwin" else 107


class LocationError(Exception):
    """A location fdp needs cannot be used; the message says what to do."""


class Locations:
    """Every folder and well-known file of one fdp instance.

    A plain class rather than a dataclass: `dataclasses` imports `inspect`, which costs fdpctl
    (which imports this module) about 10 ms of start-up.
    """

    __slots__ = ("config_dir", "data_dir", "fair_home", "runtime_dir", "socket_path", "state_dir")

    def __init__(
        self,
        config_dir: Path,
        state_dir: Path,
        data_dir: Path,
        runtime_dir: Path,
        socket_path: Path,
        fair_home: Path,
    ) -> None:
        self.config_dir = config_dir
        self.state_dir = state_dir
        self.data_dir = data_dir
        self.runtime_dir = runtime_dir
        self.socket_path = socket_path
        self.fair_home = fair_home

    def __repr__(self) -> str:
        return f"Locations(config_dir={self.config_dir!s}, socket_path={self.socket_path!s})"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.yaml"

    @property
    def journal_path(self) -> Path:
        return self.state_dir / "journal.db"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def daemon_log_path(self) -> Path:
        return self.log_dir / "fdpd.log"

    @property
    def pid_path(self) -> Path:
        return self.socket_path.with_name("fdpd.pid")

    @property
    def daemon_token_path(self) -> Path:
        """Bearer token for fdpd's optional TCP listener (0600)."""
        return self.data_dir / "daemon-token"

    @property
    def registry_database_path(self) -> Path:
        return self.data_dir / "registry.db"

    @property
    def registry_token_path(self) -> Path:
        """Token fdpd uses to talk to (and recognise) its own local registry (0600)."""
        return self.data_dir / "registry-token"

    @property
    def tokens_dir(self) -> Path:
        return self.data_dir / "tokens"

    @property
    def fair_registry_token_path(self) -> Path:
        """`~/.fair/registry/token`: where R and Java model code look for a registry token."""
        return self.fair_home / ".fair" / "registry" / "token"

    def ensure(self) -> None:
        """Create the folders, private to the user (0700).

        The socket's folder is made private only when it is fdp's own runtime dir: an
        `FDP_SOCKET` in a shared folder (say /tmp) must not change that folder.
        """
        for folder in (self.config_dir, self.state_dir, self.data_dir, self.log_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.socket_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.socket_path.parent == self.runtime_dir:
            os.chmod(self.runtime_dir, 0o700)


def resolve_locations(environ: Mapping[str, str] | None = None) -> Locations:
    """Work out every location from the environment (`FDP_HOME`, `FDP_SOCKET`, XDG variables)."""
    from pathlib import Path

    env = os.environ if environ is None else environ
    home = env.get("FDP_HOME")
    if home:
        root = Path(home).expanduser().absolute()
        config_dir, state_dir, data_dir = root / "config", root / "state", root / "data"
        runtime_dir = root / "run"
        fair_home = root
    else:
        config_dir, state_dir, data_dir = _platform_dirs()
        xdg_runtime = env.get("XDG_RUNTIME_DIR")
        runtime_dir = Path(xdg_runtime) / APP_NAME if xdg_runtime else state_dir / "run"
        fair_home = Path.home()
    socket_override = env.get("FDP_SOCKET")
    socket_path = Path(socket_override).absolute() if socket_override else runtime_dir / "fdpd.sock"
    return Locations(config_dir, state_dir, data_dir, runtime_dir, socket_path, fair_home)


def resolve_socket_path(environ: Mapping[str, str] | None = None) -> str:
    """`resolve_locations(environ).socket_path` as text; without importing `pathlib` when the
    variable that decides it (`FDP_SOCKET`, `FDP_HOME` or `XDG_RUNTIME_DIR`) is an absolute path
    that `pathlib` would leave as it is (fdpctl's every command needs the socket and nothing else
    from here)."""
    env = os.environ if environ is None else environ
    override, home, runtime = env.get("FDP_SOCKET"), env.get("FDP_HOME"), env.get("XDG_RUNTIME_DIR")
    under: tuple[str, ...] = ()
    if override:
        folder = override
    elif home:
        folder, under = home, ("run", "fdpd.sock")
    elif runtime:
        folder, under = runtime, (APP_NAME, "fdpd.sock")
    else:
        folder = ""
    if os.path.isabs(folder) and os.path.normpath(folder) == folder:
        return os.path.join(folder, *under)
    return str(resolve_locations(env).socket_path)  # `~`, `..`, `//`, relative, platform dirs


def check_socket_path(path: str | Path) -> None:
    """Fail clearly when a Unix socket path is longer than the operating system allows."""
    length = len(os.fsencode(str(path)))
    if length > MAX_SOCKET_PATH_BYTES:
        raise LocationError(
            f"socket path {path} is {length} bytes long; this system allows at most "
            f"{MAX_SOCKET_PATH_BYTES}. Set FDP_SOCKET to a shorter path (or a shorter FDP_HOME)."
        )


def _platform_dirs() -> tuple[Path, Path, Path]:
    import platformdirs  # imported lazily: only needed without FDP_HOME

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return dirs.user_config_path, dirs.user_state_path, dirs.user_data_path
