"""Reading fdpd's `config.yaml`: the keys it may hold, and the line each one is on.

A key fdpd does not know (a typo such as `registy:` or `schedule.intervl`) would otherwise be
ignored and its setting silently left at the default, so every unknown key, at any level, is an
error naming the file, the line and the key, with the closest known key. A key given twice is an
error too (YAML keeps the last one without a word). `fdpd.base.settings` checks the values and names
the line of the key a bad value belongs to (`SettingsFile.where`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fdpd.base.bounded_read import CONFIG_CAP, read_text_if_present
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError

if TYPE_CHECKING:
    import yaml

NAMES = "*"  # in a schema: a mapping keyed by names of the user's (remotes), each as given
Schema = dict[str, "Schema | None"]  # None: a value, not checked further here

REMOTE_SCHEDULE: Schema = {"interval": None, "auto_update": None}
SCHEMA: Schema = {
    "registry": {
        "port": None,
        "idle_timeout": None,
        "database": None,
        "command": None,
        "listen": None,
        "names": None,
        "url": None,
        "token_file": None,
    },
    "schedule": {**REMOTE_SCHEDULE, "remotes": {NAMES: REMOTE_SCHEDULE}},
    "scheduler": None,
    "slurm": {"partition": None, "time": None, "account": None, "sbatch_args": None},
}
_HINT = "fix the file or remove it to use the defaults"


@dataclass(frozen=True)
class SettingsFile:
    """fdpd's settings as read from `path` (empty if there is no file), with the line of every
    key by its dotted path (`schedule.remotes.origin.interval`)."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """`path:line` of `key`, or just the path when the key is not in the file."""
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line is not None else str(self.path)


def read_settings_file(path: Path) -> SettingsFile:
    """Read and check `path`; an FdpError naming file:line for unknown or repeated keys."""
    text = read_text_if_present(path, "fdpd config file", CONFIG_CAP)
    if text is None:
        return SettingsFile(path)
    # PyYAML only when there is a file: most fdpds have none, and start without it
    import yaml

    from fdpd.base.yaml_bounds import load_bounded_yaml

    data = load_bounded_yaml(text, path, _HINT)  # bounds first: composing is then safe
    if data is None:
        return SettingsFile(path)
    if not isinstance(data, dict):
        raise FdpError(f"{path}: the top level must be a mapping of keys", hint=_HINT)
    lines: dict[str, int] = {}
    problems: list[str] = []
    _check_keys(yaml.compose(text, Loader=yaml.SafeLoader), SCHEMA, "", lines, problems)
    if problems:
        raise FdpError(
            "; ".join(f"{path}:{problem}" for problem in problems),
            hint=f"edit {path}; docs/configuration.md lists every key fdpd reads",
            code=ErrorCode.BAD_SETTINGS,
        )
    return SettingsFile(path, data, lines)


def _check_keys(
    node: yaml.Node | None,
    schema: Schema,
    prefix: str,
    lines: dict[str, int],
    problems: list[str],
) -> None:
    """Record the line of each key of the mapping `node`; add a problem for each unknown or
    repeated one. A value that is no mapping is left to the value checks, which say so."""
    import yaml  # imported already: read_settings_file composed `node`

    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
        dotted = f"{prefix}.{key}" if prefix else key
        line = key_node.start_mark.line + 1
        if dotted in lines:
            problems.append(f"{line}: `{dotted}` is given twice (first on line {lines[dotted]})")
            continue
        if NAMES not in schema and key not in schema:
            problems.append(f"{line}: {_unknown(key, prefix, schema)}")
            continue
        lines[dotted] = line
        inner = schema.get(key, schema.get(NAMES))
        if inner is not None:
            _check_keys(value_node, inner, dotted, lines, problems)


def _unknown(key: str, prefix: str, schema: Schema) -> str:
    where = f"in `{prefix}`" if prefix else "at the top level"
    known = sorted(schema)
    close = difflib.get_close_matches(key, known, n=1)
    suggestion = f"did you mean `{close[0]}`?" if close else "known: " + ", ".join(known)
    return f"unknown key `{key}` {where} of fdpd's settings; {suggestion}"
