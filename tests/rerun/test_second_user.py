"""A second user pulls a pushed product with its provenance and reruns the run that made it from
the remote's records: the working config and script come from the remote (`pull
--with-provenance` brings records, not those files), the code from a clone of the recorded
repository (the first user's project is gone). With the remote down, the rerun fails clearly and
leaves nothing. Real fdpctl, fdpd, registries and pyDataPipeline."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.languages.end_to_end import pull_config
from tests.push.processes import Remote, fdp_site, remote_registry, write_config
from tests.rerun.conftest import git_server
from tests.run.conftest import git, make_project


def test_a_second_user_reruns_the_run_that_made_a_pulled_product(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "fdpd-tmp"  # bob's fdpd makes its scratch areas here
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    served = tmp_path / "served"
    git(tmp_path, "init", "-q", "--bare", str(served / "model.git"))
    code = contextlib.ExitStack()
    origin = code.enter_context(git_server(served)) + "/model.git"
    shared = remote_registry(tmp_path)
    remote = shared.__enter__()
    up = True
    try:
        publish(remote, origin)
        with fdp_site("bob") as bob:
            bob.add_remote(remote)
            config = bob.root / "pull.yaml"
            config.write_text(pull_config("ana", "shared/out"))
            bob.ok("pull", str(config), "--with-provenance")
            runs = bob.local("code_run")

            done = bob.fdpctl("rerun", "ana:shared/out@0.0.1", env={"MODEL_WRITES": "shared/out"})

            assert done.returncode == 0, done.stdout + done.stderr
            assert f"code: clone of {origin}" in done.stdout
            assert "reproduced: 1 of 1 outputs identical" in done.stderr
            assert bob.local("code_run") == runs
            assert list(scratch.glob("fdp-rerun-*")) == []

            up = False
            shared.__exit__(None, None, None)  # the remote goes down
            down = bob.fdpctl("rerun", "ana:shared/out@0.0.1", env={"MODEL_WRITES": "shared/out"})

            assert down.returncode == 1, down.stdout + down.stderr
            assert "Traceback" not in down.stderr
            assert "fdpctl: " in down.stderr and "reach" in down.stderr
            assert bob.local("code_run") == runs
            assert list(scratch.glob("fdp-rerun-*")) == []
    finally:
        if up:
            shared.__exit__(None, None, None)
        code.close()


def publish(remote: Remote, origin: str) -> None:
    """ana runs a model from a project whose origin is `origin`, commits and pushes the job."""
    with fdp_site("ana") as ana:
        ana.add_remote(remote)
        config = write_config("shared/out")
        project = make_project(ana.root / "p", {"config.yaml": config}, remote=origin)
        git(project, "push", "-q", "origin", "main")
        job = ana.run_model(project, "config.yaml", MODEL_WRITES="shared/out")
        assert job["exit_status"] == 0, job["output"]
        ana.ok("commit", job["id"])
        ana.ok("push")
