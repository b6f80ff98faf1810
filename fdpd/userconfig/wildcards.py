"""Data product name patterns, as the reference registry's name filter means them: fnmatch,
anchored at both ends and case-sensitive, so `*` is any run of characters (`/` included, none
at all too), `?` one character and `[...]` one of a set. FAIR-CLI and rDataPipeline-era working
configs expand patterns through that filter, so `real/data/U/*` takes `real/data/U/thing/1` too."""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase

_BRACES = re.compile(r"\{[^{}]*,[^{}]*\}")
_META = frozenset("*?[")


def is_pattern(name: str) -> bool:
    return any(ch in _META for ch in name)


def pattern_problem(name: str) -> str | None:
    """Why `name` is not an acceptable data product name or pattern, or None if it is."""
    if _BRACES.search(name.replace("${{RUN_ID}}", "")):
        return "`{a,b}` alternatives are not supported: list each name as its own item"
    if name.count("[") != name.count("]"):
        return "unbalanced `[` or `]`: `[...]` matches one of the characters inside"
    return None


def matches(pattern: str, name: str) -> bool:
    return fnmatchcase(name, pattern)


def expand(pattern: str, names: Iterable[str]) -> list[str]:
    """The names `pattern` matches, sorted, each once."""
    return sorted({n for n in names if fnmatchcase(n, pattern)})
