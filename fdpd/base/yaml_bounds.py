"""Bounds on YAML that fdp reads from files it did not write (user configs, config.yaml,
remotes.yaml): PyYAML composes nested collections recursively, so text nested a thousand levels
deep ends in a RecursionError. The nesting is measured on the token stream (which PyYAML scans
without recursion) before anything is composed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fdpd.base.errors import FdpError

MAX_DEPTH = 64  # far beyond any real config (a user config nests about 4 deep)
MAX_ALIASES = 1000  # aliases expand on load: a few hundred make a "billion laughs"

_OPENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSES = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


@dataclass(frozen=True)
class YamlBoundProblem:
    """Where the text first goes past a bound (1-based line and column) and which bound."""

    line: int
    column: int
    message: str


def yaml_bound_problem(text: str | bytes) -> YamlBoundProblem | None:
    """The first place `text` exceeds the nesting or alias bound, or None. Malformed YAML is not
    reported here: composing it afterwards says what is wrong, with its position."""
    depth = 0
    aliases = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, _OPENS):
                depth += 1
                if depth > MAX_DEPTH:
                    return _at(token, f"it nests more than {MAX_DEPTH} levels deep")
            elif isinstance(token, _CLOSES):
                depth -= 1
            elif isinstance(token, yaml.AliasToken):
                aliases += 1
                if aliases > MAX_ALIASES:
                    return _at(token, f"it uses more than {MAX_ALIASES} aliases (*name)")
    except yaml.YAMLError:
        return None
    return None


def _at(token: yaml.Token, message: str) -> YamlBoundProblem:
    mark = token.start_mark
    return YamlBoundProblem(mark.line + 1, mark.column + 1, message)


def load_bounded_yaml(text: str | bytes, path: Path, hint: str) -> Any:
    """`yaml.safe_load` of `text`, read from `path`, after the bounds are checked. A bound
    exceeded or malformed YAML is an FdpError at `path:line:column`, with `hint`."""
    bound = yaml_bound_problem(text)
    if bound is not None:
        raise FdpError(f"{path}:{bound.line}:{bound.column}: {bound.message}", hint=hint)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise FdpError(f"{where}: not valid YAML", hint=hint) from None
