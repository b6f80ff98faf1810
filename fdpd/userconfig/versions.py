"""Resolving a version spec (exact, `${{LATEST}}`, bump token) against a registry's versions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fdpd.userconfig.semver import BUMP_PARTS, ZERO, bump, highest, parse_version
from fdpd.userconfig.templates import RUN_ID

PULL_SUGGESTION = "run `fdpctl pull CONFIG` to fetch it into the local registry"
LATEST = "${{LATEST}}"


class VersionProblem(Exception):
    def __init__(self, message: str, suggestion: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


def token_of(spec: str) -> str | None:
    """`MAJOR` for `${{MAJOR}}` etc. (specs arrive with canonical token spelling)."""
    if spec.startswith("${{") and spec.endswith("}}"):
        return spec[3:-2]
    return None


def exact(spec: str) -> str:
    """`spec` if it is an exact, usable version; raises VersionProblem otherwise."""
    version = parse_version(spec)
    if version is None:
        raise VersionProblem(
            f"version `{spec}` is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)"
        )
    if (version.major, version.minor, version.patch) == (0, 0, 0):
        raise VersionProblem("version 0.0.0 is never valid", "the first version is 0.0.1")
    return spec


def resolve_read(spec: str, namespace: str, name: str, available: Sequence[str]) -> str:
    """The version a read of `namespace:name` uses, given the versions that exist."""
    token = token_of(spec)
    if token in BUMP_PARTS:
        raise VersionProblem(
            f"${{{{{token}}}}} makes a new version, so it cannot be used to read",
            "read ${{LATEST}} or an exact version",
        )
    if token == "LATEST":
        latest = highest(available)
        if latest is None:
            raise VersionProblem(
                f"`{namespace}:{name}` is not in the local registry", PULL_SUGGESTION
            )
        return latest
    version = exact(spec)
    if version not in available:
        raise VersionProblem(
            f"`{namespace}:{name}@{version}` is not in the local registry", PULL_SUGGESTION
        )
    return version


def resolve_write(
    spec: str,
    namespace: str,
    name: str,
    existing: Sequence[str],
    in_progress: Mapping[str, str] | None = None,
) -> str:
    """The new version a write of `namespace:name` gets, given the versions that exist and
    those that running jobs are writing (`in_progress`: version → job id)."""
    writing = {} if in_progress is None else in_progress
    if f"${{{{{RUN_ID}}}}}" in name:
        existing, writing = (), {}  # the name is new in every run
    token = token_of(spec)
    if token == "LATEST":
        raise VersionProblem(
            "${{LATEST}} cannot be used to write: it names a version that already exists",
            "use ${{PATCH}}, ${{MINOR}}, ${{MAJOR}} or a new exact version",
        )
    if token in BUMP_PARTS:
        latest = highest([*existing, *writing])
        base = parse_version(latest) if latest is not None else ZERO
        assert base is not None  # highest() returns only parseable versions
        return str(bump(base, token))
    version = exact(spec)
    if version in existing:
        latest = highest([*existing, *writing]) or version
        after = parse_version(latest)
        assert after is not None  # `version` itself is exact
        raise VersionProblem(
            f"`{namespace}:{name}@{version}` already exists: a write must make a new version "
            "(FAIR-CLI 0.11.0 ran this, and pyDataPipeline attached the new file to the existing "
            "data product, losing the first file's record and the provenance of both)",
            f"write `version: ${{{{PATCH}}}}` (here {after.bump_patch()}), or an exact version "
            f"above {latest}",
        )
    if version in writing:
        raise VersionProblem(
            f"version {version} of `{namespace}:{name}` is being written by job {writing[version]}",
            "wait for it or choose another version",
        )
    return version
