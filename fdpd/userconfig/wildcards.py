"""Data product name patterns: `*` is one or more characters within one path segment."""

from __future__ import annotations

import re
from collections.abc import Iterable

_BRACES = re.compile(r"\{[^{}]*,[^{}]*\}")
# The registry forbids these in names, so a match never needs them.
_SEGMENT_CHARS = r"[^/\[\]?*]+"


def is_pattern(name: str) -> bool:
    return "*" in name


def pattern_problem(name: str) -> str | None:
    """Why `name` is not an acceptable data product name or pattern, or None if it is."""
    if "**" in name:
        return "`**` is not supported: `*` matches within one path segment, list deeper levels"
    if "?" in name:
        return "`?` is not supported in names: use `*` (one or more characters)"
    if "[" in name or "]" in name:
        return "`[...]` is not supported in names: use `*` (one or more characters)"
    if _BRACES.search(name.replace("${{RUN_ID}}", "")):
        return "`{a,b}` alternatives are not supported: list each name as its own item"
    return None


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(_SEGMENT_CHARS.join(re.escape(part) for part in pattern.split("*")))


def matches(pattern: str, name: str) -> bool:
    return _regex(pattern).fullmatch(name) is not None


def expand(pattern: str, names: Iterable[str]) -> list[str]:
    """The names `pattern` matches, sorted, each once."""
    regex = _regex(pattern)
    return sorted({n for n in names if regex.fullmatch(n)})
