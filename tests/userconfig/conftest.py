"""Helpers for the userconfig tests: projects (plain folders whose git facts are given, or real
git repositories), a fixed generation context."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from fdpd.userconfig import (
    GenerationContext,
    GitFacts,
    StaticRegistryView,
    UserIdentity,
    WorkingConfigResult,
    collect_git_facts,
    generate_working_config,
    parse_user_config,
)

ANA = UserIdentity("Ana Example", "https://orcid.org/0000-0002-1825-0097", "5f1c0e2a-uuid")
INSTANT = datetime(2025, 3, 5, 14, 7, 9, 123456)
DATA_STORE = Path("/home/ana/.fdp/data")
REMOTE_REPO = "https://git.example.org/ana/river-model.git"
REGISTRY_URL = "http://127.0.0.1:8000/api/"
REMOTE_REGISTRY = "https://registry.example.org/api/"
# fixed identity and dates make commit SHA-1s reproducible, so golden files can hold them
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ana Example",
    "GIT_AUTHOR_EMAIL": "ana@example.org",
    "GIT_COMMITTER_NAME": "Ana Example",
    "GIT_COMMITTER_EMAIL": "ana@example.org",
    "GIT_AUTHOR_DATE": "2025-03-01T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-03-01T10:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **_GIT_ENV}
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def make_repo(
    path: Path, files: Mapping[str, str], remote: str | None = REMOTE_REPO, branch: str = "main"
) -> Path:
    """A real git repository at `path` with `files` committed (reproducible SHA-1)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    if remote is not None:
        git(path, "remote", "add", "origin", remote)
    return path


PROJECT_FILES = {"scripts/summarise.sh": "echo summarise\n", "models/daily_mean.py": "print(1)\n"}
# the HEAD of a clean clone, as `given_facts` states it (no repository computes it)
GIVEN_HEAD = "5a1e0c3b9d7f2e4a6c8b0d1f3e5a7c9b1d3f5e7a"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The river-model project of docs/config.md's example, a plain folder: its git facts are
    `given_facts` (tests/userconfig/test_git.py reads facts from real repositories)."""
    root = tmp_path / "river-model"
    for name, text in PROJECT_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def git_project(tmp_path: Path) -> Path:
    """The river-model project as a real git repository (clean, remote origin, branch main)."""
    return make_repo(tmp_path / "river-model", PROJECT_FILES)


def given_facts(project: Path) -> GitFacts:
    """What `collect_git_facts` finds in a clean clone of the project: branch main, remote
    origin at REMOTE_REPO, no tag."""
    return GitFacts(project, GIVEN_HEAD, False, "main", "origin", REMOTE_REPO, None)


def context(project: Path, **changes: Any) -> GenerationContext:
    """The fixed context of `project`; its git facts read from the repository unless `git` is
    among `changes`."""
    values: dict[str, Any] = {
        "instant": INSTANT,
        "user": ANA,
        "local_registry_url": REGISTRY_URL,
        "data_store": DATA_STORE,
        "job_dir": DATA_STORE / "jobs" / INSTANT.strftime("%Y-%m-%d_%H_%M_%S_%f"),
        "config_dir": project,
        "default_input_namespace": "hydromet",
        "default_output_namespace": "ana",
        "remote_urls": {"origin": REMOTE_REGISTRY},
        "platform": "posix",
    }
    values.update(changes)
    if "git" not in values:
        values["git"] = collect_git_facts(project)
    return GenerationContext(**values)


Generate = Callable[..., WorkingConfigResult]


def generator(project: Path, facts: GitFacts | None = None) -> Generate:
    """generate(config_text, registry_dict, **context_changes) → WorkingConfigResult; git facts
    `facts` (read from the repository when None) unless given among the changes."""

    def run(
        text: str, registry: Mapping[str, Mapping[str, list[str]]] | None = None, **changes: Any
    ) -> WorkingConfigResult:
        if facts is not None:
            changes.setdefault("git", facts)
        config = parse_user_config(text, "config.yaml")
        return generate_working_config(
            config, context(project, **changes), StaticRegistryView(registry or {})
        )

    return run


@pytest.fixture
def generate(project: Path) -> Generate:
    """Generation in `project`, with its given git facts (no git process)."""
    return generator(project, given_facts(project))


@pytest.fixture
def git_generate(git_project: Path) -> Generate:
    """Generation in the real repository `git_project`, its facts read by git."""
    return generator(git_project)


def detached(facts: GitFacts | None) -> GitFacts:
    assert facts is not None
    return GitFacts(
        facts.top, facts.head, facts.dirty, None, facts.remote_name, facts.remote_url, None
    )
