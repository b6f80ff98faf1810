"""fdpd's own settings, read from `config.yaml` in the config dir, with environment overrides.

The file is optional; every key has a default. Example:

    registry:
      port: 8000
      idle_timeout: 600          # seconds without a holder before the registry is stopped
      database: sqlite          # or a PostgreSQL URL
      command: [...]            # optional: run another implementation of the registry API

Tokens never live here (they are in 0600 files under the data dir).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fdpd.errors import FdpError
from fdpd.paths import Locations

DEFAULT_REGISTRY_PORT = 8000
DEFAULT_IDLE_TIMEOUT = 600.0


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
class DaemonSettings:
    registry: RegistrySettings = field(default_factory=RegistrySettings)


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
        )
    )


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise FdpError(
            f"{where}: not valid YAML", hint="fix the file or remove it to use the defaults"
        ) from None
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
