"""Semver precedence and bumps; the one-segment wildcard rule."""

from __future__ import annotations

import itertools

import pytest
import semver
from hypothesis import given
from hypothesis import strategies as st

from fdpd.userconfig.semver import bump, highest, parse_version
from fdpd.userconfig.wildcards import (
    expand,
    fnmatch_only,
    left_out_note,
    matches,
    pattern_problem,
)

# semver.org §11 example, lowest first
ORDERED = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.9.0",
    "1.10.0",
    "2.0.0",
]


def test_precedence_follows_semver() -> None:
    parsed = [parse_version(v) for v in ORDERED]
    keys = [p for p in parsed if p is not None]
    assert len(keys) == len(ORDERED)
    assert all(lower < higher for lower, higher in itertools.pairwise(keys))


def test_versions_are_the_semver_packages() -> None:
    """fdp keeps no semver implementation of its own: versions are `semver.Version`s."""
    assert isinstance(parse_version("1.2.3"), semver.Version)
    assert parse_version("1.0.0+a") == parse_version("1.0.0+b")  # build metadata does not count


@given(st.permutations(ORDERED))
def test_highest_ignores_order(versions: list[str]) -> None:
    assert highest([*versions, "not-a-version"]) == "2.0.0"


@pytest.mark.parametrize(
    "text", ["1.0", "01.0.0", "1.0.0-", "1.0.0-01", "v1.0.0", "1.0.0+", " 1.0.0"]
)
def test_invalid_versions(text: str) -> None:
    assert parse_version(text) is None


def test_round_trip_and_bumps() -> None:
    version = parse_version("1.2.3-rc.1+build.7")
    assert version is not None
    assert (version.major, version.minor, version.patch) == (1, 2, 3)
    assert (version.prerelease, version.build) == ("rc.1", "build.7")
    assert str(version) == "1.2.3-rc.1+build.7"
    assert [str(bump(version, p)) for p in ("MAJOR", "MINOR", "PATCH")] == [
        "2.0.0",
        "1.3.0",
        "1.2.4",
    ]
    assert highest(["1.0.0+b", "1.0.0+a"]) == "1.0.0+b"  # tie broken by text, not input order
    assert highest([]) is None


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("rain/*", "rain/north", True),
        ("rain/*", "rain/north/hourly", False),  # FAIR-CLI 0.11.0: `*` stays in one segment
        ("rain/**", "rain/north/hourly", True),  # fdp's `**`: any depth
        ("rain/*", "rain/", False),  # one or more characters
        ("rain/**", "rain/", False),
        ("rain*/region/*", "rainfall/region/south", True),
        ("*", "a/b", False),
        ("**", "a/b", True),
        ("a/**/c", "a/b/x/c", True),
        ("rain/?orth", "rain/north", False),  # `?` is no pattern character
        ("rain/?orth", "rain/?orth", True),  # itself, literally (no registry name holds it)
        ("Rain/*", "rain/north", False),  # case-sensitive
        ("a.b*", "axbc", False),  # other characters are literal
        ("*-x", "a-x", True),
    ],
)
def test_matching(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, name) is expected


def test_expand_sorted_and_unique() -> None:
    assert expand("r/*", ["r/b", "r/a", "r/b", "r/a/x", "s/a"]) == ["r/a", "r/b"]


def test_fnmatch_reading_difference_is_named_with_the_any_depth_form() -> None:
    names = ["U/1", "U/thing/1", "U/thing/2", "U/x/y/3", "U/x/y/4", "V/1"]
    assert fnmatch_only("U/*", names) == ["U/thing/1", "U/thing/2", "U/x/y/3", "U/x/y/4"]
    note = left_out_note("U/*", names)
    assert note is not None
    assert "leaves out 4 names" in note and "`U/thing/1`, `U/thing/2`, `U/x/y/3` and 1 more" in note
    assert "write `U/**` to take them too" in note
    assert left_out_note("U/**", names) is None
    assert left_out_note("V/*", names) is None


@pytest.mark.parametrize("pattern", ["a/{b,c}", "a[b", "a]b", "a/[bc]", "a?"])
def test_unsupported_glob_syntax(pattern: str) -> None:
    assert pattern_problem(pattern) is not None


def test_run_id_braces_are_not_alternatives() -> None:
    assert pattern_problem("out/${{RUN_ID}}") is None
