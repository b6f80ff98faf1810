"""Which version a `register:` item registers, given the file's SHA-1 (docs/config.md).

- a bump token (`${{PATCH}}`…) makes a new version only when the file differs from the latest
  registered one; otherwise the latest is reused;
- `${{LATEST}}` is accepted only when the latest registered version holds an identical file;
- an exact version must be new, or registered already with the same file (then nothing happens).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import Conflict, FdpError
from fdpd.userconfig.semver import BUMP_PARTS, ZERO, bump, highest, parse_version
from fdpd.userconfig.versions import VersionProblem, exact, token_of


@dataclass(frozen=True)
class VersionChoice:
    version: str
    new: bool  # False: that version is registered already with this very file


def compared_version(spec: str, registered: Collection[str]) -> str | None:
    """The registered version whose file the new file must be compared with, if any."""
    if token_of(spec) is None:
        version = _exact(spec)
        return version if version in registered else None
    return highest(registered)


def choose_version(
    spec: str, label: str, registered: Collection[str], compared_sha1: str | None, sha1: str | None
) -> VersionChoice:
    """The version to register for `label` (`ns:name`) given its `spec`; raises FdpError."""
    token = token_of(spec)
    compared = compared_version(spec, registered)
    same_file = compared is not None and compared_sha1 is not None and compared_sha1 == sha1
    if token is None:
        version = _exact(spec)
        if compared is None:
            return VersionChoice(version, True)
        if same_file or sha1 is None:
            return VersionChoice(version, False)
        raise Conflict(
            f"{label}@{version} is registered already with a different file",
            hint="give a new version, or a bump token such as ${{PATCH}}",
            code=ErrorCode.VERSION_EXISTS,
        )
    if token == "LATEST":
        if compared is None or not same_file:
            state = (
                "has no version yet" if compared is None else f"has {compared} with other content"
            )
            raise Conflict(
                f"{label}: ${{{{LATEST}}}} registers nothing new, but {label} {state}",
                hint="use a bump token such as ${{PATCH}} to register the new file",
                code=ErrorCode.VERSION_LATEST_DIFFERS,
            )
        return VersionChoice(compared, False)
    if token in BUMP_PARTS:
        if compared is not None and same_file:
            return VersionChoice(compared, False)
        base = parse_version(compared) if compared is not None else ZERO
        assert base is not None  # highest() returns only parseable versions
        return VersionChoice(str(bump(base, token)), True)
    raise FdpError(f"{label}: version {spec} cannot be registered", hint="give an exact version")


def _exact(spec: str) -> str:
    try:
        return exact(spec)
    except VersionProblem as problem:
        raise FdpError(
            problem.message, hint=problem.suggestion, code=ErrorCode.BAD_VERSION
        ) from None
