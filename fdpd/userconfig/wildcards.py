"""Data product name patterns as FAIR-CLI 0.11.0 means them (docs/config.md, "Patterns").

`*` is one or more characters of one name segment, never `/`; `**` (fdp's addition) is one or
more characters of any depth, `/` included. Every other character is itself: `?`, `[` and `]` are
no pattern characters, and since a registry refuses them in a name, a name holding one never
exists. Matching is anchored at both ends and case-sensitive, so `real/data/U/*` takes
`real/data/U/1` but not `real/data/U/thing/1`.

The reference registry's `name=` filter is fnmatch (`*` crosses `/`), the reading older configs
were written for: `fnmatch_only` names what that reading would have taken besides, so that fdp can
say which reading it applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache

_BRACES = re.compile(r"\{[^{}]*,[^{}]*\}")
_STARS = re.compile(r"\*+")
# a segment holds no `/`, and no name holds `[`, `]`, `?` or `*`: a pattern never matches itself
_ONE_SEGMENT = r"[^/\[\]?*]+"
_ANY_DEPTH = r"[^\[\]?*]+"


def is_pattern(name: str) -> bool:
    return "*" in name


def pattern_problem(name: str) -> str | None:
    """Why `name` is not an acceptable data product name or pattern, or None if it is."""
    if _BRACES.search(name.replace("${{RUN_ID}}", "")):
        return "`{a,b}` alternatives are not supported: list each name as its own item"
    odd = sorted({ch for ch in name if ch in "[]?"})
    if odd:
        shown = " ".join(f"`{ch}`" for ch in odd)
        return (
            f"{shown} cannot be part of a data product name (a registry refuses them) and are no "
            "pattern characters: FAIR-CLI 0.11.0 read them literally, so this names nothing; "
            "use `*` for one name segment or `**` for any depth"
        )
    return None


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    last = 0
    for stars in _STARS.finditer(pattern):
        parts.append(re.escape(pattern[last : stars.start()]))
        parts.append(_ONE_SEGMENT if len(stars.group()) == 1 else _ANY_DEPTH)
        last = stars.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts))


@lru_cache(maxsize=256)
def _faircli_regex(pattern: str) -> re.Pattern[str]:
    """FAIR-CLI 0.11.0's reading, which has no `**`: every `*` is a one-segment run."""
    parts = [re.escape(part) for part in pattern.split("*")]
    return re.compile(_ONE_SEGMENT.join(parts))


def matches(pattern: str, name: str) -> bool:
    return _regex(pattern).fullmatch(name) is not None


def expand(pattern: str, names: Iterable[str]) -> list[str]:
    """The names `pattern` matches, sorted, each once."""
    return sorted({n for n in names if matches(pattern, n)})


def any_depth_form(pattern: str) -> str:
    """`pattern` with every `*` made `**`: the form that also takes deeper names."""
    return _STARS.sub("**", pattern)


def fnmatch_only(pattern: str, names: Iterable[str]) -> list[str]:
    """The names the fnmatch reading of `pattern` (the reference registry's `name=` filter)
    takes and this one does not, sorted."""
    return sorted({n for n in names if fnmatchcase(n, pattern) and not matches(pattern, n)})


def left_out_note(pattern: str, names: Iterable[str], shown: int = 3) -> str | None:
    """A warning's text when the fnmatch reading of `pattern` would take more of `names`,
    naming the first few and the `**` form; None when both readings agree."""
    extra = fnmatch_only(pattern, names)
    if not extra:
        return None
    listed = ", ".join(f"`{n}`" for n in extra[:shown])
    more = f" and {len(extra) - shown} more" if len(extra) > shown else ""
    wider = any_depth_form(pattern)
    taken = sum(1 for n in extra if matches(wider, n))
    if taken == len(extra):
        fix = f"write `{wider}` to take them too"
    elif taken:
        fix = f"`{wider}` takes {taken} of them"
    else:
        fix = "list them as items of their own"
    count = "1 name" if len(extra) == 1 else f"{len(extra)} names"
    return (
        f"pattern `{pattern}` leaves out {count} that the fnmatch reading (`*` across `/`, the "
        f"reference registry's name filter) takes: {listed}{more}; fdp reads `*` as FAIR-CLI "
        f"0.11.0 does, within one name segment ({fix})"
    )


def any_depth_note(pattern: str, names: Iterable[str], shown: int = 3) -> str | None:
    """A warning's text when `pattern` holds `**` and FAIR-CLI 0.11.0, which reads `**` as two
    one-segment `*`, would take other names; None when it holds none or both agree."""
    if "**" not in pattern:
        return None
    known = set(names)
    ours = {n for n in known if matches(pattern, n)}
    theirs = {n for n in known if _faircli_regex(pattern).fullmatch(n)}
    if ours == theirs:
        return None
    extra = sorted(ours - theirs)
    listed = ", ".join(f"`{n}`" for n in extra[:shown])
    more = f" and {len(extra) - shown} more" if len(extra) > shown else ""
    taken = f"{len(theirs)} name" + ("" if len(theirs) == 1 else "s")
    return (
        f"`**` in `{pattern}` is fdp's any depth: it takes {listed}{more}, which FAIR-CLI "
        f"0.11.0 did not (it read `**` as two `*` within one name segment: {taken} here)"
    )
