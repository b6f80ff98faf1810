"""fdpd's own settings, read from `config.yaml` in the config dir, with environment overrides.

The file is optional; every key has a default. Example:

    registry:
      port: 8000
      idle_timeout: 600          # seconds without a holder before the registry is stopped
      database: sqlite          # or a PostgreSQL URL
      command: [...]            # optional: run another implementation of the registry API
    schedule:                   # background checks for newer versions of what was pulled
      interval: 6h              # every remote: seconds, or 90s / 30m / 6h / 1d; `off`: none
      auto_update: false        # true: a check also pulls what it finds
      remotes:                  # per remote, overriding the two keys above
        origin: {interval: 1h, auto_update: true}

Tokens never live here (they are in 0600 files under the data dir).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fdpd.errors import FdpError
from fdpd.paths import Locations
from fdpd.store.bounded_read import CONFIG_CAP, read_text_if_present
from fdpd.yaml_bounds import load_bounded_yaml

DEFAULT_REGISTRY_PORT = 8000
DEFAULT_IDLE_TIMEOUT = 600.0
DEFAULT_UPDATE_INTERVAL = 6 * 3600.0
MIN_UPDATE_INTERVAL = 1.0  # short enough for tests; a real remote wants minutes at least
MAX_UPDATE_INTERVAL = 366 * 86400.0
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class RegistrySettings:
    """How fdpd runs the local registry."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_REGISTRY_PORT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    database_url: str | None = None  # None: the SQLite file in the data dir
    command: tuple[str, ...] = ()  # empty: fdp's own registry

    @property
    def url(self) -> str:
        """The API base URL the language APIs use (`local_data_registry_url`)."""
        return f"http://{self.host}:{self.port}/api/"


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
class DaemonSettings:
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)


def load_settings(locations: Locations, environ: Mapping[str, str] | None = None) -> DaemonSettings:
    """Read `config.yaml` (if any) and apply `FDP_REGISTRY_PORT` / `FDP_REGISTRY_IDLE_TIMEOUT`."""
    env = os.environ if environ is None else environ
    raw = _read_yaml_mapping(locations.config_file)
    registry_raw = _mapping(raw.get("registry", {}), locations.config_file, "registry")
    port = _integer(registry_raw.get("port", DEFAULT_REGISTRY_PORT), locations.config_file, "port")
    idle = _number(registry_raw.get("idle_timeout", DEFAULT_IDLE_TIMEOUT), locations.config_file)
    if "FDP_REGISTRY_PORT" in env:
        port = _integer(env["FDP_REGISTRY_PORT"], Path("FDP_REGISTRY_PORT"), "value")
    if "FDP_REGISTRY_IDLE_TIMEOUT" in env:
        idle = _number(env["FDP_REGISTRY_IDLE_TIMEOUT"], Path("FDP_REGISTRY_IDLE_TIMEOUT"))
    database = registry_raw.get("database")
    command = registry_raw.get("command", [])
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command):
        raise _bad(locations.config_file, "registry.command", "a list of strings (an argv)")
    return DaemonSettings(
        registry=RegistrySettings(
            port=port,
            idle_timeout=idle,
            database_url=None if database in (None, "sqlite") else str(database),
            command=tuple(command),
        ),
        schedule=_schedule(raw.get("schedule", {}), locations.config_file),
    )


def _schedule(value: object, path: Path) -> ScheduleSettings:
    raw = _mapping(value or {}, path, "schedule")
    default = _remote_schedule(raw, RemoteSchedule(), path, "schedule")
    remotes_raw = _mapping(raw.get("remotes") or {}, path, "schedule.remotes")
    remotes = {
        str(name): _remote_schedule(
            _mapping(entry or {}, path, f"schedule.remotes.{name}"),
            default,
            path,
            f"schedule.remotes.{name}",
        )
        for name, entry in remotes_raw.items()
    }
    return ScheduleSettings(default, remotes)


def _remote_schedule(
    raw: dict[str, Any], inherited: RemoteSchedule, path: Path, key: str
) -> RemoteSchedule:
    interval = inherited.interval
    if "interval" in raw:
        interval = _interval(raw["interval"], path, f"{key}.interval")
    auto_update = raw.get("auto_update", inherited.auto_update)
    if not isinstance(auto_update, bool):
        raise _bad(path, f"{key}.auto_update", "true or false")
    return RemoteSchedule(interval, auto_update)


def _interval(value: object, path: Path, key: str) -> float | None:
    """Seconds from `30`, `90s`, `15m`, `6h`, `1d`; None from `off`/`false`."""
    if value is False or str(value).strip().lower() == "off":
        return None
    text = str(value).strip().lower()
    unit = _DURATION_UNITS.get(text[-1:], 0)
    number_text = text[:-1] if unit else text
    try:
        seconds = float(number_text) * (unit or 1)
    except ValueError:
        raise _bad(path, key, "a duration such as 3600, 90s, 30m, 6h or 1d, or off") from None
    if not MIN_UPDATE_INTERVAL <= seconds <= MAX_UPDATE_INTERVAL:  # also rejects NaN
        raise _bad(path, key, "between 1 second and 366 days, or off")
    return seconds


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    text = read_text_if_present(path, "fdpd config file", CONFIG_CAP)
    if text is None:
        return {}
    data = load_bounded_yaml(text, path, "fix the file or remove it to use the defaults")
    return _mapping(data or {}, path, "top level")


def _mapping(value: object, path: Path, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(path, key, "a mapping")
    return value


def _integer(value: object, path: Path, key: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise _bad(path, f"registry.{key}", "a whole number") from None
    if not 1 <= number <= 65535:
        raise _bad(path, f"registry.{key}", "a port between 1 and 65535")
    return number


def _number(value: object, path: Path) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise _bad(path, "registry.idle_timeout", "a number of seconds") from None
    if number <= 0:
        raise _bad(path, "registry.idle_timeout", "a positive number of seconds")
    return number


def _bad(path: Path, key: str, expected: str) -> FdpError:
    return FdpError(
        f"{path}: {key} must be {expected}",
        hint=f"edit {path}",
        code="bad_settings",
    )
