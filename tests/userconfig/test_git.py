"""Git facts from real throwaway repositories."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from fdpd.shared.job_preparation import generation_context
from fdpd.userconfig import collect_git_facts, parse_user_config, work_tree_top
from tests.userconfig.test_faircli_accepts import USER

from .conftest import git, given_facts, make_repo


def test_facts_of_a_clean_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "p", {"a.txt": "a\n", "sub/b.txt": "b\n"})
    git(repo, "tag", "v0.1")
    (repo / "untracked.txt").write_text("not counted\n")
    facts = collect_git_facts(repo / "sub")
    assert facts is not None
    assert facts.top == repo
    assert facts.head == git(repo, "rev-parse", "HEAD") and len(facts.head) == 40
    assert not facts.dirty
    assert facts.branch == "main"
    assert facts.remote_name == "origin"
    assert facts.remote_url == "https://git.example.org/ana/river-model.git"
    assert facts.tag == "v0.1"


def test_dirty_detached_no_remote_no_tag(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "p", {"a.txt": "a\n"}, remote=None)
    git(repo, "checkout", "-q", "--detach")
    (repo / "a.txt").write_text("changed\n")
    facts = collect_git_facts(repo)
    assert facts is not None
    assert facts.dirty and facts.branch is None and facts.remote_url is None and facts.tag is None


def test_other_remote_and_nearest_tag(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "p", {"a.txt": "a\n"}, remote=None)
    git(repo, "tag", "old")
    (repo / "a.txt").write_text("b\n")
    git(repo, "commit", "-q", "-am", "second")
    git(repo, "tag", "new")
    git(repo, "remote", "add", "upstream", "https://example.org/up.git")
    facts = collect_git_facts(repo, remote_name="upstream")
    assert facts is not None
    assert facts.remote_url == "https://example.org/up.git" and facts.tag == "new"


def test_repository_without_commits(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    git(tmp_path / "p", "init", "-q")
    facts = collect_git_facts(tmp_path / "p")
    assert facts is not None and facts.head is None and facts.tag is None


def test_outside_any_repository(tmp_path: Path) -> None:
    assert work_tree_top(tmp_path) is None
    assert collect_git_facts(tmp_path) is None


def test_a_job_asks_git_for_the_work_tree_top_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `git` is a process on the path of every `fdpctl run` (its overhead counts): the
    top of the work tree found for the project folder is not asked again for the facts. A `git`
    first on PATH notes its arguments and runs the real one."""
    repo = make_repo(tmp_path / "p", {"config.yaml": "run_metadata:\n  description: d\n"})
    calls = tmp_path / "git-calls.txt"
    shim = tmp_path / "bin" / "git"
    shim.parent.mkdir()
    real = shutil.which("git")
    shim.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {real} "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    config = parse_user_config((repo / "config.yaml").read_text(), "config.yaml")

    ctx, local_repo = generation_context(
        config, repo, USER, "http://127.0.0.1:8000/api/", datetime.now(), job_dir=tmp_path / "j"
    )

    assert local_repo == repo and ctx.git is not None and ctx.git.top == repo
    asked = calls.read_text().splitlines()
    assert asked.count("rev-parse --show-toplevel") == 1, asked


def test_the_given_facts_are_a_clean_clones(git_project: Path) -> None:
    """The facts the generation tests are given (conftest.given_facts) are what git finds in a
    clean clone of their project, but for its HEAD (which they only copy)."""
    facts = collect_git_facts(git_project)
    assert facts is not None
    assert facts == replace(given_facts(git_project), head=facts.head)


def test_the_facts_of_a_job_take_four_git_processes_asked_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `git` is a process on the path of every `fdpctl run` (issue 27): HEAD, branch and
    dirtiness come from one `git status --porcelain=v2 --branch` (was three processes), so a
    job asks git 4 times (was 6). A `git` first on PATH notes its arguments and runs the real
    one."""
    repo = make_repo(tmp_path / "p", {"config.yaml": "run_metadata:\n  description: d\n"})
    calls = tmp_path / "git-calls.txt"
    shim = tmp_path / "bin" / "git"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {shutil.which("git")} "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    config = parse_user_config((repo / "config.yaml").read_text(), "config.yaml")

    ctx, _ = generation_context(
        config, repo, USER, "http://127.0.0.1:8000/api/", datetime.now(), job_dir=tmp_path / "j"
    )

    assert ctx.git is not None and ctx.git.head is not None and ctx.git.branch is not None
    asked = calls.read_text().splitlines()
    assert len(asked) == 4, asked
