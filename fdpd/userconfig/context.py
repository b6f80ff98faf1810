"""Everything working config generation needs besides the user config and the registry."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from fdpd.userconfig.git import GitFacts
from fdpd.userconfig.templates import TemplateProblem

# (namespace, data product name, source URL) → version the last pull of that register item made
PulledVersions = Mapping[tuple[str, str, str], str]
# (namespace, data product name) → {version: id of the running job that writes it}
WritesInProgress = Mapping[tuple[str, str], Mapping[str, str]]
# (namespace, data product name) → version → the remote holding it, for versions whose local
# records gc or delete removed: the local registry no longer lists them, but a write must not
# take one of them again
RemoteVersions = Mapping[tuple[str, str], Mapping[str, str]]


@dataclass(frozen=True)
class UserIdentity:
    full_name: str
    identifier: str | None  # ORCID / GitHub / ROR URL, if the user has one
    uuid: str  # the user's author uuid


@dataclass(frozen=True)
class GenerationContext:
    """Settings and facts for one generation.

    `instant` is the job's creation time in local time (it also names the job folder); every
    template of the job uses it. `git` describes the repository holding the project (see
    `project_dir`), None outside git. `remote_urls` maps configured remote names to their
    registry API URLs. `writes_in_progress` are the versions running jobs are writing: a write
    never gets one of them.
    """

    instant: datetime
    user: UserIdentity
    local_registry_url: str
    data_store: Path
    job_dir: Path
    config_dir: Path  # folder holding the user config
    default_input_namespace: str | None
    default_output_namespace: str | None
    remote_urls: Mapping[str, str] = field(default_factory=dict)
    default_remote: str | None = "origin"
    git: GitFacts | None = None
    dirty_allowed: bool = False
    pulled_register_versions: PulledVersions = field(default_factory=dict)
    writes_in_progress: WritesInProgress = field(default_factory=dict)
    remote_versions: RemoteVersions = field(default_factory=dict)
    platform: Literal["posix", "windows"] = "posix" if os.name != "nt" else "windows"

    @property
    def separator(self) -> str:
        return "\\" if self.platform == "windows" else "/"

    def with_separator(self, path: Path) -> str:
        text = str(path)
        return text if text.endswith(("/", "\\")) else text + self.separator


def template_values(
    ctx: GenerationContext, source_config: str, local_repo: Path | None
) -> Callable[[str], str]:
    """The value of each substituted template variable; raises TemplateProblem if unavailable.

    `local_repo` is None while local_repo itself is being resolved (REPO_DIR is unknown then).
    """

    def value_of(name: str) -> str:
        if name.startswith("DATETIME-"):
            return ctx.instant.strftime(name[len("DATETIME-") :])
        simple: dict[str, Callable[[], str]] = {
            "DATE": lambda: ctx.instant.strftime("%Y%m%d"),
            "DATETIME": lambda: ctx.instant.strftime("%Y-%m-%dT%H:%M:%S"),
            "USER": lambda: ctx.user.full_name,
            "USER_ID": lambda: ctx.user.identifier or ctx.user.uuid,
            "REPO_DIR": lambda: _repo_dir(local_repo),
            "CONFIG_DIR": lambda: ctx.with_separator(ctx.job_dir),
            "SOURCE_CONFIG": lambda: Path(source_config).name,
            "GIT_BRANCH": lambda: _git_branch(ctx.git),
            "GIT_REMOTE": lambda: _git_remote(ctx.git),
            "GIT_TAG": lambda: _git_tag(ctx.git),
        }
        return simple[name]()

    return value_of


def _repo_dir(local_repo: Path | None) -> str:
    if local_repo is None:
        raise TemplateProblem("${{REPO_DIR}} cannot be used in local_repo itself")
    return str(local_repo)


def _need_git(git: GitFacts | None, name: str) -> GitFacts:
    if git is None:
        raise TemplateProblem(
            f"${{{{{name}}}}} needs a git repository, and the project is not in one"
        )
    return git


def _git_branch(git: GitFacts | None) -> str:
    facts = _need_git(git, "GIT_BRANCH")
    if facts.branch is None:
        raise TemplateProblem(
            "${{GIT_BRANCH}} cannot be used: HEAD is detached (no current branch)",
            "check out a branch, or remove ${{GIT_BRANCH}}",
        )
    return facts.branch


def _git_remote(git: GitFacts | None) -> str:
    facts = _need_git(git, "GIT_REMOTE")
    if facts.remote_url is None:
        raise TemplateProblem(
            "${{GIT_REMOTE}} cannot be used: the repository has no remote "
            f"`{facts.remote_name}`",
            f"add one with `git remote add {facts.remote_name} URL`",
        )
    return facts.remote_url


def _git_tag(git: GitFacts | None) -> str:
    facts = _need_git(git, "GIT_TAG")
    if facts.tag is None:
        raise TemplateProblem(
            "${{GIT_TAG}} cannot be used: no tag is reachable from HEAD",
            "create one with `git tag NAME`",
        )
    return facts.tag
