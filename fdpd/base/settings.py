"""fdpd's own settings, read from `config.yaml` in the config dir, with environment overrides.

The file is optional; every key has a default. Example:

    registry:
      port: 8000
      idle_timeout: 600          # seconds without a holder before the registry is stopped
      database: sqlite          # or a PostgreSQL URL
      command: [...]            # optional: run another implementation of the registry API
      listen: login1.cluster    # the address it listens on, for jobs on compute nodes
      names: [login1]           # more names requests to it may give as their Host
    # or, instead of all of the above, a registry fdpd does not run (a group's shared one):
    #   registry: {url: http://service1:8000/api/, token_file: ~/.fdp-registry-token}
    schedule:                   # background checks for newer versions of what was pulled
      interval: 6h              # every remote: seconds, or 90s / 30m / 6h / 1d; `off`: none
      auto_update: false        # true: a check also pulls what it finds
      remotes:                  # per remote, overriding the two keys above
        origin: {interval: 1h, auto_update: true}
    scheduler: local            # where `fdpctl run` runs jobs by default: local or slurm
    slurm:                      # defaults of every `fdpctl run --scheduler slurm` (docs/cluster.md)
      partition: short
      time: "1:00:00"
      account: ""
      sbatch_args: [--mem=2G]

Tokens never live here (they are in 0600 files under the data dir). An unknown key is an error
(`fdpd.base.settings_file`), and so is a bad value, naming the file and line of its key.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.loopback import host_is_local
from fdpd.base.paths import Locations
from fdpd.base.settings_file import SettingsFile, read_settings_file

DEFAULT_REGISTRY_PORT = 8000
DEFAULT_IDLE_TIMEOUT = 600.0
DEFAULT_UPDATE_INTERVAL = 6 * 3600.0
MIN_UPDATE_INTERVAL = 1.0  # short enough for tests; a real remote wants minutes at least
MAX_UPDATE_INTERVAL = 366 * 86400.0
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgresql+")
SCHEDULERS = ("local", "slurm")  # where a job can run (fdpd.features.run.executors)
# what fdpd's environment may set for a registry it runs (ignored with `registry: url:`)
REGISTRY_ENVIRONMENT = ("FDP_REGISTRY_PORT", "FDP_REGISTRY_IDLE_TIMEOUT")


@dataclass(frozen=True)
class RegistrySettings:
    """How fdpd runs the local registry."""

    host: str = "127.0.0.1"  # `listen:`: where it listens, and the name in its URL
    names: tuple[str, ...] = ()  # more Host names it answers (`names:`), besides loopback's
    port: int = DEFAULT_REGISTRY_PORT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    database_url: str | None = None  # None: the SQLite file in the data dir
    command: tuple[str, ...] = ()  # empty: fdp's own registry
    external_url: str | None = None  # `url:`: a registry fdpd does not run (`/api/` form)
    token_file: Path | None = None  # `token_file:`: the user's token for `external_url`

    @property
    def url(self) -> str:
        """The API base URL the language APIs use (`local_data_registry_url`)."""
        if self.external_url is not None:
            return self.external_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/api/"

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """The Host names the registry accepts besides loopback's: the listen address's, and
        `names:`."""
        names = (name.lower() for name in (self.host, *self.names))
        return tuple(dict.fromkeys(name for name in names if not host_is_local(name)))


@dataclass(frozen=True)
class RemoteSchedule:
    """How one remote is checked for updates in the background."""

    interval: float | None = DEFAULT_UPDATE_INTERVAL  # seconds; None: never
    auto_update: bool = False


@dataclass(frozen=True)
class ScheduleSettings:
    """The `schedule` section: defaults for every remote, and overrides by remote name."""

    default: RemoteSchedule = field(default_factory=RemoteSchedule)
    remotes: dict[str, RemoteSchedule] = field(default_factory=dict)

    def for_remote(self, name: str) -> RemoteSchedule:
        return self.remotes.get(name, self.default)


@dataclass(frozen=True)
class SlurmSettings:
    """The `slurm` section: what every sbatch of a SLURM run gets before its own `--sbatch`."""

    partition: str = ""
    time: str = ""
    account: str = ""
    sbatch_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class DaemonSettings:
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    scheduler: str = "local"  # where a run's job runs unless it says: local or slurm
    slurm: SlurmSettings = field(default_factory=SlurmSettings)


def ignored_registry_environment(
    settings: DaemonSettings, locations: Locations, environ: Mapping[str, str] | None = None
) -> list[str]:
    """What fdpd says at start of the registry variables in its environment that change nothing:
    with `registry: url:` fdpd runs no registry for FDP_REGISTRY_PORT or _IDLE_TIMEOUT to set up."""
    env = os.environ if environ is None else environ
    if settings.registry.external_url is None:
        return []
    return [
        f"{name} is ignored: registry.url in {locations.config_file} names a registry fdpd does "
        f"not run (unset {name}, or remove registry.url to have fdpd run one)"
        for name in REGISTRY_ENVIRONMENT
        if name in env
    ]


def load_settings(locations: Locations, environ: Mapping[str, str] | None = None) -> DaemonSettings:
    """Read `config.yaml` (if any) and apply `FDP_REGISTRY_PORT` / `FDP_REGISTRY_IDLE_TIMEOUT`."""
    env = os.environ if environ is None else environ
    source = read_settings_file(locations.config_file)
    registry_raw = _mapping(source.data.get("registry", {}), source, "registry")
    port = _port(registry_raw.get("port", DEFAULT_REGISTRY_PORT), source)
    idle = _idle_timeout(registry_raw.get("idle_timeout", DEFAULT_IDLE_TIMEOUT), source)
    if "FDP_REGISTRY_PORT" in env:
        port = _port(env["FDP_REGISTRY_PORT"], SettingsFile(Path("FDP_REGISTRY_PORT")))
    if "FDP_REGISTRY_IDLE_TIMEOUT" in env:
        idle = _idle_timeout(
            env["FDP_REGISTRY_IDLE_TIMEOUT"], SettingsFile(Path("FDP_REGISTRY_IDLE_TIMEOUT"))
        )
    if "url" in registry_raw:
        return DaemonSettings(
            registry=_external(registry_raw, source),
            schedule=_schedule(source.data.get("schedule", {}), source),
            scheduler=_scheduler(source.data.get("scheduler", "local"), source),
            slurm=_slurm(source.data.get("slurm", {}), source),
        )
    if "token_file" in registry_raw:
        raise FdpError(
            f"{source.where('registry.token_file')}: registry.token_file is the token for a "
            "registry fdpd does not run, and registry.url is not given",
            hint=f"edit {source.path}: add `url:` (that registry's address) or remove "
            "`token_file:`",
            code=ErrorCode.BAD_SETTINGS,
        )
    database = _database(registry_raw.get("database"), source)
    command = registry_raw.get("command", [])
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command):
        raise _bad(source, "registry.command", "a list of strings (an argv)")
    listen = _listen(registry_raw.get("listen", "127.0.0.1"), source)
    names = registry_raw.get("names") or []
    if not isinstance(names, list) or not all(_host_name(name) for name in names):
        raise _bad(source, "registry.names", "a list of host names (login1, login1.cluster)")
    return DaemonSettings(
        registry=RegistrySettings(
            host=listen,
            names=tuple(names),
            port=port,
            idle_timeout=idle,
            database_url=database,
            command=tuple(command),
        ),
        schedule=_schedule(source.data.get("schedule", {}), source),
        scheduler=_scheduler(source.data.get("scheduler", "local"), source),
        slurm=_slurm(source.data.get("slurm", {}), source),
    )


# what fdpd sets when it runs the registry: meaningless for one it does not run (`url:`)
_RUNNING_KEYS = ("listen", "names", "port", "database", "command", "idle_timeout")


def _external(raw: dict[str, Any], source: SettingsFile) -> RegistrySettings:
    """`registry: url:` with its `token_file:`, and none of the keys of a registry fdpd runs."""
    clashing = [key for key in _RUNNING_KEYS if key in raw]
    if clashing:
        keys = ", ".join(f"registry.{key}" for key in clashing)
        raise FdpError(
            f"{source.where('registry.' + clashing[0])}: {keys} cannot go with registry.url "
            f"({source.where('registry.url')}): they set up a registry fdpd runs, and registry.url "
            "names one it does not run",
            hint=f"edit {source.path}: keep either `url:` (with `token_file:`) or the other keys",
            code=ErrorCode.BAD_SETTINGS,
        )
    url = _external_url(raw["url"], source)
    token_file = raw.get("token_file")
    if not isinstance(token_file, str) or not token_file.strip():
        raise FdpError(
            f"{source.where('registry.url')}: registry.url needs registry.token_file, the file "
            "(mode 0600) that holds your token for that registry",
            hint=f"edit {source.path}: add `token_file: PATH` under `registry:` (the registry's "
            "administrator gives you the token: `fdpd registry add-user YOU`)",
            code=ErrorCode.BAD_SETTINGS,
        )
    path = Path(token_file.strip()).expanduser()
    if not path.is_absolute():
        path = source.path.parent / path
    return RegistrySettings(external_url=url, token_file=path)


def _external_url(value: object, source: SettingsFile) -> str:
    """An http(s) registry URL, in its `/api/` form (appended when missing)."""
    parts = urlsplit(value) if isinstance(value, str) else None
    try:
        port_ok = parts is not None and (parts.port is None or parts.port > 0)
    except ValueError:
        port_ok = False
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or any(ch.isspace() for ch in str(value))
    ):
        raise _bad(
            source,
            "registry.url",
            "the http(s) URL of a registry (http://service1:8000/api/), without user name, "
            "password, query or fragment",
        )
    text = str(value).rstrip("/")
    return text + "/" if text.endswith("/api") else text + "/api/"


def _listen(value: object, source: SettingsFile) -> str:
    """A host name or IP address to listen on (not a URL: no scheme, port or path)."""
    if not _host_name(value):
        raise _bad(
            source,
            "registry.listen",
            "a host name or IP address of this machine that the compute nodes reach (10.1.0.5, "
            "login1.cluster), without scheme or port",
        )
    return str(value).strip("[]")


def _host_name(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\[?[A-Za-z0-9_.:-]+\]?", value) is not None


def _scheduler(value: object, source: SettingsFile) -> str:
    if value not in SCHEDULERS:
        raise _bad(source, "scheduler", " or ".join(SCHEDULERS))
    return str(value)


def _slurm(value: object, source: SettingsFile) -> SlurmSettings:
    raw = _mapping(value or {}, source, "slurm")
    texts: dict[str, str] = {}
    for key in ("partition", "time", "account"):
        text = raw.get(key) or ""
        if not isinstance(text, str | int):
            raise _bad(source, f"slurm.{key}", "a string")
        texts[key] = str(text)
    arguments = raw.get("sbatch_args") or []
    if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
        raise _bad(source, "slurm.sbatch_args", "a list of sbatch options (strings)")
    return SlurmSettings(**texts, sbatch_args=tuple(arguments))


def _schedule(value: object, source: SettingsFile) -> ScheduleSettings:
    raw = _mapping(value or {}, source, "schedule")
    default = _remote_schedule(raw, RemoteSchedule(), source, "schedule")
    remotes_raw = _mapping(raw.get("remotes") or {}, source, "schedule.remotes")
    remotes = {
        str(name): _remote_schedule(
            _mapping(entry or {}, source, f"schedule.remotes.{name}"),
            default,
            source,
            f"schedule.remotes.{name}",
        )
        for name, entry in remotes_raw.items()
    }
    return ScheduleSettings(default, remotes)


def _remote_schedule(
    raw: dict[str, Any], inherited: RemoteSchedule, source: SettingsFile, key: str
) -> RemoteSchedule:
    interval = inherited.interval
    if "interval" in raw:
        interval = _interval(raw["interval"], source, f"{key}.interval")
    auto_update = raw.get("auto_update", inherited.auto_update)
    if not isinstance(auto_update, bool):
        raise _bad(source, f"{key}.auto_update", "true or false")
    return RemoteSchedule(interval, auto_update)


def _interval(value: object, source: SettingsFile, key: str) -> float | None:
    """Seconds from `30`, `90s`, `15m`, `6h`, `1d`; None from `off`/`false`."""
    if value is False or str(value).strip().lower() == "off":
        return None
    text = str(value).strip().lower()
    unit = _DURATION_UNITS.get(text[-1:], 0)
    number_text = text[:-1] if unit else text
    try:
        seconds = float(number_text) * (unit or 1)
    except ValueError:
        raise _bad(source, key, "a duration such as 3600, 90s, 30m, 6h or 1d, or off") from None
    if not MIN_UPDATE_INTERVAL <= seconds <= MAX_UPDATE_INTERVAL:  # also rejects NaN
        raise _bad(source, key, "between 1 second and 366 days, or off")
    return seconds


def _database(value: object, source: SettingsFile) -> str | None:
    """None for the SQLite file in the data dir (`sqlite` or nothing), else the URL."""
    if value in (None, "sqlite"):
        return None
    if not isinstance(value, str) or not value.startswith(_DATABASE_SCHEMES):
        raise _bad(
            source,
            "registry.database",
            "sqlite, a sqlite:/// URL or a PostgreSQL URL (postgresql+psycopg://user:pass@host/db)",
        )
    return value


def _mapping(value: object, source: SettingsFile, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(source, key, "a mapping")
    return value


def _port(value: object, source: SettingsFile) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise _bad(source, "registry.port", "a whole number") from None
    if not 1 <= number <= 65535:
        raise _bad(source, "registry.port", "a port between 1 and 65535")
    return number


def _idle_timeout(value: object, source: SettingsFile) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise _bad(source, "registry.idle_timeout", "a number of seconds") from None
    if not math.isfinite(number) or number <= 0:
        raise _bad(source, "registry.idle_timeout", "a positive number of seconds")
    return number


def _bad(source: SettingsFile, key: str, expected: str) -> FdpError:
    return FdpError(
        f"{source.where(key)}: {key} must be {expected}",
        hint=f"edit {source.path}",
        code=ErrorCode.BAD_SETTINGS,
    )
