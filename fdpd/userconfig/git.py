"""Facts about the git repository holding a project, read through the `git` command."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError

DEFAULT_REMOTE = "origin"


@dataclass(frozen=True)
class GitFacts:
    """What the working config and templates need from git. None = not available."""

    top: Path  # top of the work tree
    head: str | None  # full SHA-1 of HEAD; None before the first commit
    dirty: bool  # tracked files differ from HEAD (untracked files do not count)
    branch: str | None  # None on a detached HEAD
    remote_name: str
    remote_url: str | None  # URL of `remote_name`; None if there is no such remote
    tag: str | None  # nearest tag reachable from HEAD


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
        )
    except FileNotFoundError as exc:
        raise FdpError(
            "the `git` command was not found",
            hint="install git, or run from a folder that is not a git repository",
            code=ErrorCode.GIT_MISSING,
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise FdpError(
            f"`git {' '.join(args)}` in {cwd} took too long", code=ErrorCode.GIT_FAILED
        ) from exc


def _out(cwd: Path, *args: str) -> str | None:
    result = _git(cwd, *args)
    return result.stdout.strip() if result.returncode == 0 else None


def work_tree_top(path: Path) -> Path | None:
    """Top of the git work tree holding `path` (a folder), or None outside any work tree."""
    if not path.is_dir():
        raise FdpError(f"{path} is not a folder", code=ErrorCode.GIT_FAILED)
    top = _out(path, "rev-parse", "--show-toplevel")
    return Path(top) if top else None


def collect_git_facts(
    path: Path, remote_name: str = DEFAULT_REMOTE, *, top: Path | None = None
) -> GitFacts | None:
    """Git facts for the work tree holding folder `path`, or None if it is not in one. `top`:
    that work tree's top, when the caller has asked git already (one `git` call less)."""
    top = top or work_tree_top(path)
    if top is None:
        return None
    head = _out(top, "rev-parse", "--verify", "-q", "HEAD^{commit}") or None
    status = _git(top, "status", "--porcelain", "--untracked-files=no")
    if status.returncode != 0:
        raise FdpError(
            f"`git status` failed in {top}: {status.stderr.strip()}", code=ErrorCode.GIT_FAILED
        )
    branch = _out(top, "symbolic-ref", "--quiet", "--short", "HEAD") or None
    remote_url = _out(top, "remote", "get-url", remote_name) or None
    tag = _out(top, "describe", "--tags", "--abbrev=0") if head else None
    return GitFacts(
        top=top,
        head=head,
        dirty=bool(status.stdout.strip()),
        branch=branch,
        remote_name=remote_name,
        remote_url=remote_url,
        tag=tag or None,
    )
