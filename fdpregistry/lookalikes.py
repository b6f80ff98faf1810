"""Lookalike names: a new namespace of a shared registry must not pass for an existing one.

A name is refused (400, naming the existing namespace) when it holds an invisible character
(format and control characters such as U+200B ZERO WIDTH SPACE, variation selectors, blank
fillers), when it shares a skeleton with an existing namespace, when it is not in NFKC form
(`\uff41lice` is `alice` with a fullwidth a), or when it mixes scripts with a letter that passes
for one of another script in it (`\u0430lice`, with a Cyrillic a). A skeleton is the NFKC form
with each character replaced by one representative of the characters Unicode's confusables data
(UTS #39, as shipped by `confusable_homoglyphs`) says look alike, case folded before or after:
`ALICE`, `\u0430lice`, `AIice`, `a1ice` and `alice` share one. Confusables of several
characters (`rn` for `m`) are not followed. Names in error messages are shown with `\\u`
escapes beside them, so that a lookalike is unmistakable in a terminal.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterable
from importlib import resources
from typing import Any

from confusable_homoglyphs import confusables
from sqlalchemy import Connection, select

from fdpregistry.http import ApiError
from fdpregistry.models import table_named

_NAMESPACES = table_named("namespace")
# Characters that draw nothing but are not format or control characters.
_BLANKS = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def shown(name: str) -> str:
    """`name` quoted, with its `\\u` escaped form beside it when it is not plain ASCII."""
    if name.isascii() and name.isprintable():
        return repr(name)
    return f"{name!r} ({name!a})"


def invisible_characters(name: str) -> list[str]:
    """The characters of `name` a reader cannot see (spaces other than U+0020 included)."""
    return [
        char
        for char in name
        if char in _BLANKS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        or (unicodedata.category(char) == "Zs" and char != " ")
    ]


@functools.lru_cache(maxsize=65536)
def skeletons(name: str) -> frozenset[str]:
    """What `name` looks like: names sharing a skeleton are names a reader can take for each
    other. Two, as folding case before or after replacing lookalikes makes a difference
    (`I` passes for `l`, but folds to `i`)."""
    normal = unicodedata.normalize("NFKC", name)
    return frozenset({_alike(normal.casefold()), _alike(_alike(normal))})


def _alike(text: str) -> str:
    representative = _representatives()
    mapped = "".join(representative.get(char, char) for char in text)
    return unicodedata.normalize("NFKC", mapped).casefold()


def check_new_namespace_name(conn: Connection, name: Any) -> None:
    """400 for a new namespace name that is invisible in part, or looks like an existing one."""
    if not isinstance(name, str) or not name:
        return  # validation answers it
    existing = conn.execute(select(_NAMESPACES.c.name)).scalars()
    problem = lookalike_problem(name, existing, "namespace")
    if problem is not None:
        raise ApiError(400, {"name": [problem]})


def lookalike_problem(name: str, existing: Iterable[str], kind: str) -> str | None:
    """Why a new `kind` called `name` could pass for another (one of `existing`), or None."""
    hidden = invisible_characters(name)
    visible = "".join(char for char in name if char not in hidden)
    alike = _lookalike_of(visible, existing)
    if alike == name:
        return None  # not new
    like = f"it looks like the existing {kind} {shown(alike)}" if alike is not None else ""
    title = f"{kind.capitalize()} name {shown(name)}"
    if hidden:
        listed = ", ".join(f"U+{ord(char):04X}" for char in dict.fromkeys(hidden))
        return f"{title} holds characters nobody can see ({listed}){'; ' + like if like else ''}."
    if like:
        return f"{title}: {like}; use that {kind} or choose a name that looks different."
    normal = unicodedata.normalize("NFKC", name)
    if normal != name:
        return f"{title} is written with compatibility characters; use {shown(normal)}."
    if confusables.is_dangerous(name):
        return (
            f"{title} mixes scripts with letters that look like those of another script; "
            "write it in one script."
        )
    return None


def _lookalike_of(name: str, existing: Iterable[str]) -> str | None:
    """An existing name `name` can be taken for (`name` itself when it exists)."""
    if not name:
        return None
    wanted = skeletons(name)
    found = None
    for other in existing:
        if other == name:
            return name
        if found is None and skeletons(other) & wanted:
            found = other
    return found


@functools.cache
def _representatives() -> dict[str, str]:
    """Character → the representative of the characters that look like it (single characters
    only): an ASCII letter or digit where the group has one, else its lowest code point."""
    data_file = resources.files("confusable_homoglyphs") / "confusables.json"
    data: dict[str, list[dict[str, str]]] = json.loads(data_file.read_text(encoding="utf-8"))
    parent: dict[str, str] = {}

    def find(char: str) -> str:
        root = char
        while parent.get(root, root) != root:
            root = parent[root]
        parent[char] = root
        return root

    for char, alikes in data.items():
        if len(char) != 1:
            continue
        for alike in alikes:
            other = alike["c"].strip("\u200e")  # right-to-left glyphs come marked
            if len(other) == 1:
                parent[find(other)] = find(char)
    groups: dict[str, list[str]] = {}
    for char in list(parent):
        groups.setdefault(find(char), []).append(char)
    representative: dict[str, str] = {}
    for members in groups.values():
        plain = [c for c in members if c.isascii() and c.isalnum()]
        chosen = min(plain or members, key=lambda c: (not c.islower(), c))
        representative |= {char: chosen for char in members}
    return representative
