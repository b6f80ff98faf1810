"""Facts about the git repository holding a project, read through the `git` command."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
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
    that work tree's top, when the caller has asked git already (one `git` call less).

    Each `git` is a process on the path of every `fdpctl run`: HEAD, branch and dirtiness come
    from one `git status --porcelain=v2 --branch`, and the three questions run side by side."""
    top = top or work_tree_top(path)
    if top is None:
        return None
    with ThreadPoolExecutor(max_workers=3) as pool:
        asked_status = pool.submit(
            _git, top, "status", "--porcelain=v2", "--branch", "--untracked-files=no"
        )
        asked_remote = pool.submit(_out, top, "remote", "get-url", remote_name)
        asked_tag = pool.submit(_out, top, "describe", "--tags", "--abbrev=0")
        status, remote_url, tag = asked_status.result(), asked_remote.result(), asked_tag.result()
    if status.returncode != 0:
        raise FdpError(
            f"`git status` failed in {top}: {status.stderr.strip()}", code=ErrorCode.GIT_FAILED
        )
    head, branch, dirty = _parse_status(status.stdout)
    return GitFacts(
        top=top,
        head=head,
        dirty=dirty,
        branch=branch,
        remote_name=remote_name,
        remote_url=remote_url or None,
        tag=(tag or None) if head else None,
    )


def _parse_status(porcelain_v2: str) -> tuple[str | None, str | None, bool]:
    """HEAD's commit (None before the first), the branch (None when detached) and whether
    tracked files changed, from `git status --porcelain=v2 --branch`."""
    head: str | None = None
    branch: str | None = None
    dirty = False
    for line in porcelain_v2.splitlines():
        if line.startswith("# branch.oid "):
            oid = line.removeprefix("# branch.oid ")
            head = None if oid == "(initial)" else oid
        elif line.startswith("# branch.head "):
            name = line.removeprefix("# branch.head ")
            branch = None if name == "(detached)" else name
        elif line and not line.startswith("#"):
            dirty = True
    return head, branch, dirty
