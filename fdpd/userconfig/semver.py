"""Semantic versions (semver 2.0.0) for configs and pulls, through the `semver` package.

`packaging.version` implements PEP 440, whose ordering and syntax differ from semver, hence
`semver`. What fdp adds: `parse_version` answers None for text that is not a version, and
`highest` picks one answer whatever order the registry listed the versions in.
"""

from __future__ import annotations

from collections.abc import Iterable

from semver import Version

__all__ = ["BUMP_PARTS", "ZERO", "Version", "bump", "highest", "parse_version"]

BUMP_PARTS = ("MAJOR", "MINOR", "PATCH")

ZERO = Version(0, 0, 0)


def parse_version(text: str) -> Version | None:
    """The version `text` spells exactly, or None if it is not a semver 2.0.0 version."""
    try:
        return Version.parse(text)
    except ValueError:
        return None


def bump(version: Version, part: str) -> Version:
    """The next version for a MAJOR/MINOR/PATCH bump (prerelease and build dropped)."""
    if part == "MAJOR":
        return version.bump_major()
    if part == "MINOR":
        return version.bump_minor()
    if part == "PATCH":
        return version.bump_patch()
    raise ValueError(f"unknown bump part {part!r}")


def highest(versions: Iterable[str]) -> str | None:
    """The highest of `versions` by semver precedence; strings that are not semver are ignored.

    Ties in precedence (differing only in build metadata) go to the larger string, so the
    answer never depends on the order the registry listed them in.
    """
    parsed = [(v, p) for v in versions if (p := parse_version(v)) is not None]
    if not parsed:
        return None
    return max(parsed, key=lambda vp: (vp[1], vp[0]))[0]
