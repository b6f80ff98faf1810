"""A rerun fetches the inputs it lacks from the remote that holds them: a second user pulls a
product with its provenance (the run's records, not its input's file) and reruns the run that
made it; the input comes from the remote at its recorded version, its SHA-1 checked. A remote
whose copy does not have the recorded SHA-1, and a remote that is down, are clear errors that
leave nothing. Real fdpctl, fdpd, registries, git daemon and pyDataPipeline."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.push.processes import Remote, Site, fdp_site, remote_registry, write_config
from tests.rerun.conftest import git_server
from tests.run.conftest import git, make_project

READS = """\
run_metadata:
  description: reads the input, writes the output
  script: python3 model.py
read:
  - data_product: fetch/in
write:
  - data_product: fetch/out
    description: product fetch/out
    file_type: csv
"""
PULL = """\
run_metadata:
  description: the output, and the run that made it
read:
  - data_product: fetch/out
    use:
      namespace: ana
"""
RERUN_ENV = {"MODEL_READS": "fetch/in", "MODEL_WRITES": "fetch/out"}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    """A shared remote holding ana's two pushed runs (in, then in -> out), the model's code
    served by a git daemon; once for the module: the tests only read it (or change its copy of
    the input and put it back: `tampered`)."""
    root = tmp_path_factory.mktemp("world")
    served = root / "served"
    git(root, "init", "-q", "--bare", str(served / "model.git"))
    with git_server(served) as base, remote_registry(root) as remote:
        publish(remote, base + "/model.git")
        yield remote


@pytest.fixture
def world(
    published: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Remote, Path]:
    """The published remote, and the scratch folder bob's fdpd makes its scratch areas in."""
    scratch = tmp_path / "fdpd-tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    return published, scratch


def publish(remote: Remote, origin: str) -> None:
    with fdp_site("ana") as ana:
        ana.add_remote(remote)
        configs = {"in.yaml": write_config("fetch/in"), "out.yaml": READS}
        project = make_project(ana.root / "p", configs, remote=origin)
        git(project, "push", "-q", "origin", "main")
        made = ana.run_model(project, "in.yaml", MODEL_WRITES="fetch/in", MODEL_VALUE="42")
        assert made["exit_status"] == 0, made["output"]
        used = ana.run_model(project, "out.yaml", **RERUN_ENV)
        assert used["exit_status"] == 0, used["output"]
        ana.ok("commit", made["id"])
        ana.ok("commit", used["id"])
        ana.ok("push")


@contextlib.contextmanager
def bob_with_the_output(remote: Remote) -> Iterator[Site]:
    with fdp_site("bob") as bob:
        bob.add_remote(remote)
        config = bob.root / "pull.yaml"
        config.write_text(PULL)
        bob.ok("pull", str(config), "--with-provenance")
        yield bob


@contextlib.contextmanager
def tampered(remote: Remote) -> Iterator[None]:
    """The remote's copy of the input is not what was recorded, until the block ends."""
    stored = [p for p in remote.store.rglob("*") if p.is_file()]
    [original] = [p for p in stored if p.read_bytes() == b"fetch/in,42\n"]
    original.write_bytes(b"fetch/in,43\n")
    try:
        yield
    finally:
        original.write_bytes(b"fetch/in,42\n")


def input_file(bob: Site) -> list[Path]:
    return sorted((bob.store / "ana" / "fetch" / "in").glob("*")) if bob.store.exists() else []


def test_a_rerun_fetches_a_missing_input_from_the_remote_and_checks_it(
    world: tuple[Remote, Path],
) -> None:
    remote, scratch = world
    with bob_with_the_output(remote) as bob:
        assert input_file(bob) == []  # pull --with-provenance: the input's records, not its file
        runs = bob.local("code_run")

        done = bob.fdpctl("rerun", "ana:fetch/out@0.0.1", env=RERUN_ENV)

        assert done.returncode == 0, done.stdout + done.stderr
        assert "fetching 1 input this data store lacks from origin: ana:fetch/in@0.0.1" in (
            done.stdout
        )
        assert "read fetch/in: fetch/in,42" in done.stdout  # the model read the fetched copy
        assert "reproduced: 1 of 1 outputs identical" in done.stderr
        [copy] = input_file(bob)  # in the data store, where its local record now says
        assert copy.read_bytes() == b"fetch/in,42\n"
        [record] = bob.local("storage_location", hash=hashlib.sha1(b"fetch/in,42\n").hexdigest())
        assert copy.as_posix().endswith(record["path"])
        assert bob.local("code_run") == runs  # the rerun's own run went again
        assert list(scratch.glob("fdp-rerun-*")) == []

        again = bob.fdpctl("rerun", "ana:fetch/out@0.0.1", env=RERUN_ENV)  # here now
        assert again.returncode == 0, again.stdout + again.stderr
        assert "fetching" not in again.stdout


def test_a_remote_copy_with_another_sha1_is_refused_and_leaves_nothing(
    world: tuple[Remote, Path],
) -> None:
    remote, scratch = world
    with bob_with_the_output(remote) as bob, tampered(remote):
        runs, jobs = bob.local("code_run"), bob.json("log")["jobs"]

        done = bob.fdpctl("rerun", "ana:fetch/out@0.0.1", env=RERUN_ENV)

        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "fdpctl: " in done.stderr and "ana:fetch/in@0.0.1" in done.stderr
        assert "SHA-1" in done.stderr
        assert input_file(bob) == []
        assert bob.local("code_run") == runs and bob.json("log")["jobs"] == jobs
        assert list(scratch.glob("fdp-rerun-*")) == []
