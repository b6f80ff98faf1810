"""The code of a recorded run at its recorded commit, in a scratch git worktree: from the local
repository the run was made in when it has the commit, else a clone of the recorded URL."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.features.rerun.recorded import CodeRelease
from fdpd.store.code_repos import no_remote_folder

GIT_TIMEOUT = 300.0  # a clone of a large repository over a slow link
_COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")


@dataclass(frozen=True)
class Code:
    folder: Path  # where the model's code is (the rerun's local_repo)
    source: str  # said to the user: where it came from
    repository: Path | None = None  # the local repository whose worktree `folder` is


def script_only_hint() -> str:
    return "`fdpctl rerun --script-only` runs the recorded script alone, in an empty folder"


async def materialise(release: CodeRelease, local_repo: str, scratch: Path) -> Code:
    """A detached worktree of `release.commit` at `scratch/code`; an error says why the commit
    cannot be had."""
    commit = release.commit
    if commit.endswith("-dirty"):
        raise FdpError(
            f"the run was made from uncommitted changes (latest_commit {commit}): the code that "
            "ran was never committed, so it cannot be had again",
            hint=script_only_hint() + " (if the script does not need the changed code)",
            code=ErrorCode.COMMIT_UNAVAILABLE,
        )
    if not _COMMIT.fullmatch(commit):
        raise FdpError(
            f"the recorded commit {commit!r} is not a git commit (the run was not made in a git "
            "repository)",
            hint=script_only_hint(),
            code=ErrorCode.COMMIT_UNAVAILABLE,
        )
    folder = scratch / "code"
    repository = Path(local_repo) if local_repo else None
    if repository is not None and await _has_commit(repository, commit):
        added = await _git(repository, "worktree", "add", "--detach", str(folder), commit)
        if added is None:
            return Code(folder, f"worktree of {repository} at {commit[:12]}", repository)
    where = f"{repository} or " if repository is not None else ""
    folder_name = no_remote_folder(release.url)
    if folder_name is not None:
        local = f"{repository} does not have it" if repository else "no local repository is known"
        raise FdpError(
            f"commit {commit} cannot be had: the run recorded no remote for its code (a folder "
            f"{folder_name!r} with no git remote), and {local}",
            hint="rerun it where the repository with that commit is; " + script_only_hint(),
            code=ErrorCode.COMMIT_UNAVAILABLE,
        )
    problem = await _git(
        scratch, "clone", "--quiet", "--no-checkout", "--", release.url, str(folder)
    )
    if problem is None:
        problem = await _git(folder, "checkout", "--quiet", "--detach", commit)
        if problem is None:
            return Code(folder, f"clone of {release.url} at {commit[:12]}")
    raise FdpError(
        f"commit {commit} cannot be had from {where}{release.url}: {problem}",
        hint="make the commit available (push it, or fetch it into the local repository); "
        + script_only_hint(),
        code=ErrorCode.COMMIT_UNAVAILABLE,
    )


async def _has_commit(repository: Path, commit: str) -> bool:
    if not repository.is_dir():
        return False
    return await _git(repository, "cat-file", "-e", f"{commit}^{{commit}}") is None


async def remove_code(code: Code | None) -> None:
    """Remove the worktree (and its entry in the repository it came from)."""
    if code is None:
        return
    if code.repository is not None:
        await _git(code.repository, "worktree", "remove", "--force", str(code.folder))
        await _git(code.repository, "worktree", "prune")
    await asyncio.to_thread(shutil.rmtree, code.folder, True)


async def _git(cwd: Path, *args: str) -> str | None:
    """Run git; None when it succeeded, else the last line it printed on stderr."""
    # the URL comes from a record (untrusted): no prompts, and none of git's command transports
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",
        "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",
    }
    try:
        done = await asyncio.to_thread(
            subprocess.run,
            ["git", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise FdpError("git is not installed", code=ErrorCode.GIT_MISSING) from None
    except subprocess.TimeoutExpired:
        return f"git {args[0]} took more than {GIT_TIMEOUT:g} s"
    if done.returncode == 0:
        return None
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"git {args[0]} exited with status {done.returncode}"
