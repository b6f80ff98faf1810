"""The one graph walk fdp needs: everything reachable from some roots."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def reachable(roots: Iterable[Key], neighbours: Callable[[Key], Iterable[Key]]) -> set[Key]:
    """The roots and every key reachable from them through `neighbours`, each visited once."""
    seen: set[Key] = set()
    stack = list(roots)
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        stack.extend(neighbour for neighbour in neighbours(key) if neighbour not in seen)
    return seen
