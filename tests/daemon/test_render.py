"""How fdpctl words counts and sizes for people."""

from __future__ import annotations

import pytest

from fdpctl.render import byte_size, counted


@pytest.mark.parametrize(
    ("count", "words"),
    [(0, "0 files"), (1, "1 file"), (2, "2 files")],
)
def test_counted_puts_the_noun_in_the_right_number(count: int, words: str) -> None:
    assert counted(count, "file") == words


def test_counted_takes_an_irregular_plural() -> None:
    assert counted(3, "entry", "entries") == "3 entries"
    assert counted(1, "entry", "entries") == "1 entry"


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (1, "1 byte"),
        (1023, "1023 bytes"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (5 << 30, "5.0 GiB"),
        (3 << 40, "3.0 TiB"),
    ],
)
def test_byte_size_picks_the_largest_unit_below_1024(count: int, words: str) -> None:
    assert byte_size(count) == words
