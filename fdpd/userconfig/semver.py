"""Semantic versions (semver 2.0.0): strict parsing, precedence and bumps.

`packaging.version` implements PEP 440, whose ordering and syntax differ from semver, hence this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)

BUMP_PARTS = ("MAJOR", "MINOR", "PATCH")


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def precedence(self) -> tuple[object, ...]:
        """Sort key for semver precedence; build metadata does not count."""
        release_rank = 0 if self.prerelease else 1
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, release_rank, pre)

    def bump(self, part: str) -> Version:
        """The next version for a MAJOR/MINOR/PATCH bump (prerelease and build dropped)."""
        if part == "MAJOR":
            return Version(self.major + 1, 0, 0)
        if part == "MINOR":
            return Version(self.major, self.minor + 1, 0)
        if part == "PATCH":
            return Version(self.major, self.minor, self.patch + 1)
        raise ValueError(f"unknown bump part {part!r}")


ZERO = Version(0, 0, 0)


def parse_version(text: str) -> Version | None:
    """The version `text` spells exactly, or None if it is not a semver 2.0.0 version."""
    match = _SEMVER.fullmatch(text)
    if match is None:
        return None
    major, minor, patch, pre, build = match.groups()
    return Version(
        int(major),
        int(minor),
        int(patch),
        tuple(pre.split(".")) if pre else (),
        tuple(build.split(".")) if build else (),
    )


def highest(versions: Iterable[str]) -> str | None:
    """The highest of `versions` by semver precedence; strings that are not semver are ignored.

    Ties in precedence (differing only in build metadata) go to the larger string, so the
    answer never depends on the order the registry listed them in.
    """
    parsed = [(v, p) for v in versions if (p := parse_version(v)) is not None]
    if not parsed:
        return None
    return max(parsed, key=lambda vp: (vp[1].precedence(), vp[0]))[0]
