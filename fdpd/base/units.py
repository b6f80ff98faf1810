"""Counts and byte sizes as people read them, said the same way by fdpd's progress messages and
fdpctl's output. Standard library only: fdpctl imports it at run time."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 file`, `3 files`: a count with its noun in the right number."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def byte_size(count: int) -> str:
    """A byte count in binary units: `812 bytes`, `4.2 MiB`."""
    if count < 1024:
        return counted(count, "byte")
    value = count / 1024
    units = ["KiB", "MiB", "GiB", "TiB"]
    while value >= 1024 and len(units) > 1:
        value /= 1024
        units.pop(0)
    return f"{value:.1f} {units[0]}"
