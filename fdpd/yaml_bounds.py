"""Bounds on YAML that fdp reads from files it did not write (user configs, config.yaml,
remotes.yaml): PyYAML composes nested collections recursively, so text nested a thousand levels
deep ends in a RecursionError. The nesting is measured on the token stream (which PyYAML scans
without recursion) before anything is composed."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

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
