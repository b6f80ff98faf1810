"""What a run records as its code repository: remote URLs others can fetch from, local ones
(`file://`, paths) spotted, passwords and tokens dropped (`fdpd.store.code_repos`)."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from fdpd.store.code_repos import (
    is_local_git_url,
    names_machine_path,
    unfetchable_repo,
    without_credentials,
)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("https://github.com/ana/model.git", False),
        ("git@github.com:ana/model.git", False),
        ("ssh://git@git.example.org/ana/model.git", False),
        ("file:///srv/git/model.git", True),
        ("/srv/git/model.git", True),
        ("../model.git", True),
        ("C:\\repos\\model", True),
    ],
)
def test_local_git_remotes_are_told_apart(url: str, local: bool) -> None:
    assert is_local_git_url(url) is local


def test_credentials_never_reach_the_record() -> None:
    assert (
        without_credentials("https://ghp_TOKEN@github.com/a/m.git") == "https://github.com/a/m.git"
    )
    assert without_credentials("https://ana:pw@host/a/m") == "https://host/a/m"
    assert without_credentials("ssh://git:pw@host/a/m") == "ssh://git@host/a/m"
    assert without_credentials("ssh://git@host/a/m") == "ssh://git@host/a/m"
    assert without_credentials("git@github.com:a/m.git") == "git@github.com:a/m.git"


def test_machine_paths_are_spotted_wherever_they_are() -> None:
    assert names_machine_path("https://github.com/file:///home/ana/model")
    assert names_machine_path("/home/ana/model") and names_machine_path("~/model")
    assert not names_machine_path("https://github.com/ana/model")
    assert not names_machine_path(unfetchable_repo(PurePosixPath("/home/ana/model")))
    assert unfetchable_repo(PurePosixPath("/home/ana/model")) == "no-remote://none/model"
