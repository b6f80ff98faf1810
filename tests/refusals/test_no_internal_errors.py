"""Every refusal docs/config.md documents and every `FdpError` code a user can reach from the
command line, driven through fdpctl's own code against one fdp in process (the daemon app and
its local registry: tests/inprocess.py, tests/fdpctl_in_process.py; what fdpctl shows of an
answer is what it shows of fdpd's): each answers with its own code, a message and no "internal
error" or traceback, and leaves nothing half-made. Projects are git repositories where the case
is about git (git is a process: those tests are marked `process`), plain folders otherwise.

Codes reached only with a remote registry or a special setup are covered where that setup is:
- remote_* (refused, failed, token_rejected, rejected, not_found, unreachable, unconfirmed),
  sync_conflict, incomplete_on_remote, transfer_failed, hash_mismatch, version_latest_differs,
  source_download_failed, remote_mismatch: tests/push, tests/pull, tests/remotes, tests/sync,
  tests/refremote;
- failed_item, depended_upon, unsynced_item: tests/push/test_commit.py, tests/housekeeping;
- registry_down, registry_refused, registry_port_taken, needs_fdp_registry, no_admin,
  author_link_fixed, token_refused, no_author: tests/supervisor, tests/refremote;
- journal_unusable, journal_too_new, already_running, bind_failed, remote_refused,
  bad_settings, check_failed: tests/daemon (they stop fdpd from starting, before any command);
- no_scheduler: tests/schedule; store_write_failed, file_read_timeout: tests/faults (a full
  disk, a stalling file system); cancelled, interrupted, not_running, not_cancellable:
  tests/cancel; forbidden*, unauthorized, method_not_allowed, http_error, bad_request:
  tests/security, tests/daemon (HTTP clients other than fdpctl);
- git_missing, git_failed: need git missing or broken under fdpd (tests/run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fdpctl_in_process import Finished, fdpctl_in
from tests.inprocess import InProcessDaemon, daemon_in_process
from tests.run.conftest import git, make_project

REMOTE = "https://git.example.org/ana/model.git"


@dataclass
class Shared:
    daemon: InProcessDaemon
    store: Path
    root: Path

    def fdpctl(self, *args: str, cwd: Path | None = None) -> Finished:
        return fdpctl_in(self.daemon, *args, cwd=cwd)

    def project(self, name: str, config: str) -> Path:
        """A plain folder holding `config.yaml` (no git)."""
        folder = self.root / name
        folder.mkdir()
        (folder / "config.yaml").write_text(config)
        return folder


def committed_project(shared: Shared, name: str, config: str) -> Path:
    """A git repository holding `config.yaml`, committed, with a remote (not a method of
    `Shared`: tests/conftest.py would take every test using `Shared` for a process one)."""
    return make_project(shared.root / name, {"config.yaml": config}, remote=REMOTE)


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    home = Path(tempfile.mkdtemp(prefix="fdp-refuse-", dir="/tmp"))
    try:
        with daemon_in_process(home) as daemon:
            found = Shared(daemon, home / "store", home / "projects")
            setup = found.fdpctl("config", "ana", "--data-store", str(found.store))
            assert setup.returncode == 0, setup.stderr
            found.root.mkdir()
            yield found
    finally:
        shutil.rmtree(home, ignore_errors=True)


def refused(result: Finished, code: str) -> dict[str, str]:
    """The error of a `--json` command that must fail with `code`, never as an internal one."""
    shown = result.stdout + result.stderr
    assert "internal error" not in shown and "Traceback" not in shown, shown
    assert result.returncode in (1, 2), shown
    error: dict[str, str] = json.loads(result.stdout.splitlines()[-1])["error"]
    assert error["code"] == code, shown
    assert error["message"].strip(), shown
    return error


def run_config(text: str) -> str:
    return f"run_metadata:\n  description: refusal\n{text}"


SCRIPT = "  script: echo hi\n"
WRITE = "write:\n  - data_product: refusal/x\n    description: x\n    file_type: csv\n"

# docs/config.md's refusals of a config: (case, config text, words the message must hold).
# No description, another remote_data_registry_url and another write_data_store run as under
# FAIR-CLI 0.11.0, with a located warning (tests/userconfig/test_faircli_accepts.py).
CONFIG_REFUSALS = [
    ("typo in a key", "run_metadata:\n  descripton: x\n  script: echo hi\n", "description"),
    ("neither script", run_config(""), "script"),
    ("both scripts", run_config(SCRIPT + "  script_path: model.py\n"), "not both"),
    ("token in config", run_config("  script: echo ${{LOCAL_TOKEN}}\n"), "FDP_LOCAL_TOKEN"),
    ("unknown template", run_config("  script: echo ${{NOPE}}\n"), "NOPE"),
    ("unclosed template", run_config("  script: echo ${{DATE\n"), ""),
    ("template in remote_repo", run_config(SCRIPT + "  remote_repo: ${{NOPE}}\n"), "NOPE"),
    (
        "remote_repo a local path",
        run_config(SCRIPT + "  remote_repo: file:///home/ana/model\n"),
        "path on this machine",
    ),
    ("no git tag", run_config("  script: echo ${{GIT_TAG}}\n"), "GIT_TAG"),
    ("public maybe", run_config(SCRIPT + "  public: maybe\n"), "public"),
    ("script named config", run_config("  script_path: config.yaml\n"), "config.yaml"),
    (
        "version as a number",
        run_config(SCRIPT) + WRITE + "    use:\n      version: 1.0\n",
        "1.0",
    ),
    ("latest as a write", run_config(SCRIPT) + WRITE + "    version: ${{LATEST}}\n", "LATEST"),
    (
        "bump token as a read",
        run_config(SCRIPT) + "read:\n  - data_product: refusal/in\n    version: ${{PATCH}}\n",
        "PATCH",
    ),
    (
        "missing input",
        run_config(SCRIPT) + "read:\n  - data_product: refusal/in\n    version: 9.9.9\n",
        "fdpctl pull",
    ),
    ("braces", run_config(SCRIPT) + "read:\n  - data_product: refusal/{a,b}\n", "{a,b}"),
    (
        "shorthand differs",
        run_config(SCRIPT) + WRITE + "    version: 0.0.1\n    use:\n      version: 0.0.2\n",
        "version",
    ),
    (
        "duplicate write",
        run_config(SCRIPT) + WRITE + WRITE.replace("write:\n", ""),
        "refusal/x",
    ),
]


@pytest.mark.parametrize(
    ("text", "words"),
    [(text, words) for _, text, words in CONFIG_REFUSALS],
    ids=[case for case, _, _ in CONFIG_REFUSALS],
)
def test_config_refusals_are_config_errors(shared: Shared, text: str, words: str) -> None:
    name = "p" + str(abs(hash(text)))
    project = shared.project(name, text)
    jobs = set((shared.store / "jobs").glob("*")) if (shared.store / "jobs").exists() else set()
    error = refused(shared.fdpctl("--json", "run", "config.yaml", cwd=project), "invalid_config")
    assert words in error["message"] + error["hint"], error
    after = set((shared.store / "jobs").glob("*")) if (shared.store / "jobs").exists() else set()
    assert after == jobs  # nothing ran, no job folder left


def test_first_run_in_a_fresh_repository_says_commit_first(shared: Shared) -> None:
    """`git init p && cd p && fdpctl init && fdpctl run config.yaml` (issue 21 item 1)."""
    project = shared.root / "fresh"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    assert shared.fdpctl("init", cwd=project).returncode == 0
    error = refused(shared.fdpctl("--json", "run", "config.yaml", cwd=project), "invalid_config")
    assert "has no commits yet" in error["message"] and "git commit" in error["message"]
    text = shared.fdpctl("run", "config.yaml", cwd=project)
    assert text.returncode == 1 and "has no commits yet" in text.stderr
    assert "internal error" not in text.stderr


def test_detached_head_with_git_branch(shared: Shared) -> None:
    project = committed_project(shared, "detached", run_config("  script: echo ${{GIT_BRANCH}}\n"))
    git(project, "checkout", "-q", "--detach")
    error = refused(shared.fdpctl("--json", "run", "config.yaml", cwd=project), "invalid_config")
    assert "GIT_BRANCH" in error["message"]


def test_dirty_work_tree(shared: Shared) -> None:
    project = committed_project(shared, "dirty", run_config(SCRIPT))
    (project / "model.py").write_text("# changed\n")
    error = refused(shared.fdpctl("--json", "run", "config.yaml", cwd=project), "dirty_work_tree")
    assert "--dirty" in error["hint"]


def _file_cases(root: Path) -> list[tuple[list[str], str]]:
    folder = root / "a-folder.yaml"
    folder.mkdir(exist_ok=True)
    latin = root / "latin.yaml"
    latin.write_bytes(b"run_metadata:\n  description: caf\xe9\n")
    return [
        (["run", str(root / "missing.yaml")], "file_not_found"),
        (["run", str(folder)], "not_a_regular_file"),
        (["run", str(latin)], "no_config"),
        (["generate", str(root / "missing.yaml")], "file_not_found"),
        (["pull", str(root / "missing.yaml")], "file_not_found"),
    ]


def test_config_files_that_cannot_be_read(shared: Shared) -> None:
    for args, code in _file_cases(shared.root):
        refused(shared.fdpctl("--json", *args, cwd=shared.root), code)


def test_users(shared: Shared) -> None:
    refused(shared.fdpctl("--json", "config", "bad name!"), "bad_username")
    refused(
        shared.fdpctl(
            "--json",
            "config",
            "carol",
            "--data-store",
            str(shared.root / "c"),
            "--identifier",
            "orcid-0000",
        ),
        "bad_identifier",
    )
    refused(shared.fdpctl("--json", "config", "carol", "--data-store", "/"), "bad_data_store")


def test_read_only_data_store_makes_nothing(shared: Shared) -> None:
    """`fdpctl config carol --data-store D` on a folder fdp cannot write to: a clear refusal
    before the registry user, author or token file is made (issue 21 item 1)."""
    store = shared.root / "read-only-store"
    with read_only_folder(store):
        error = refused(
            shared.fdpctl("--json", "config", "dora", "--data-store", str(store)),
            "bad_data_store",
        )
    assert str(store) in error["message"] and "writable" in error["hint"]
    tokens = shared.daemon.locations.data_dir / "tokens"
    assert not (tokens / "dora.token").exists()
    users = json.loads(shared.fdpctl("--json", "config").stdout)
    assert "dora" not in json.dumps(users)
    authors = shared.daemon.registry.get("/api/author/", params={"name": "dora"}).json()["results"]
    assert authors == []


@contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """A folder nobody may write to: mode 0555, and immutable (`chattr +i`) when the tests run
    as root, whom modes do not stop; skipped where neither holds."""
    path.mkdir()
    path.chmod(0o555)
    root = os.geteuid() == 0
    if root and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("cannot make a folder read-only for root here")
    try:
        yield path
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(0o755)


def test_items(shared: Shared) -> None:
    refused(shared.fdpctl("--json", "commit", "ns:@"), "bad_token")
    refused(shared.fdpctl("--json", "commit", "nowhere:x@1.0.0"), "no_such_item")
    refused(shared.fdpctl("--json", "commit", "zzzz-no-such"), "no_such_item")
    refused(shared.fdpctl("--json", "uncommit", "nowhere:x@1.0.0"), "no_such_item")
    refused(shared.fdpctl("--json", "status", "nowhere:x@1.0.0"), "no_such_item")
    refused(shared.fdpctl("--json", "delete", "nowhere:x@1.0.0"), "no_such_item")
    stray = shared.root / "stray.csv"
    stray.write_text("not registered\n")
    refused(shared.fdpctl("--json", "commit", str(stray)), "no_such_item")


def test_a_failed_job_without_runs(shared: Shared) -> None:
    project = shared.project("fails", run_config("  script: exit 3\n"))
    assert shared.fdpctl("run", "config.yaml", cwd=project).returncode == 4
    job = json.loads(shared.fdpctl("--json", "log", "-n", "1").stdout)
    job_id = _last_job(job)
    refused(shared.fdpctl("--json", "commit", job_id), "job_without_runs")


def _last_job(listing: object) -> str:
    text = json.dumps(listing)
    found = re.search(r"\d{4}-\d\d-\d\d_\d\d_\d\d_\d\d_\d{6}", text)
    assert found, text
    return found.group(0)


def test_remotes(shared: Shared) -> None:
    good = shared.root / "good.token"
    good.write_text("a" * 40 + "\n")
    good.chmod(0o600)
    unused = "http://127.0.0.1:9/api/"

    def add(name: str, url: str, token: Path) -> Finished:
        return shared.fdpctl(
            "--json", "remote", "add", name, url, "--token-file", str(token), "--no-check"
        )

    refused(add("bad name", unused, good), "bad_remote_name")
    refused(add("r", "ftp://x/", good), "bad_remote_url")
    refused(shared.fdpctl("--json", "remote", "remove", "nowhere"), "not_found")
    refused(shared.fdpctl("--json", "push", "--remote", "nowhere"), "no_remote")
    open_token = shared.root / "open.token"
    open_token.write_text("a" * 40 + "\n")
    open_token.chmod(0o644)
    refused(add("r", unused, open_token), "token_file_not_private")
    empty = shared.root / "empty.token"
    empty.write_text("")
    empty.chmod(0o600)
    refused(add("r", unused, empty), "token_file_invalid")
    assert add("twice", unused, good).returncode == 0
    refused(add("twice", unused, good), "remote_exists")
    assert shared.fdpctl("remote", "remove", "twice").returncode == 0
    project = shared.project("pull-unknown", run_config(SCRIPT))
    pull = shared.fdpctl("--json", "pull", "--remote", "nowhere", "config.yaml", cwd=project)
    refused(pull, "no_remote")


def test_jobs_and_operations(shared: Shared) -> None:
    refused(shared.fdpctl("--json", "log", "2001-01-01_00"), "not_found")
    refused(shared.fdpctl("--json", "log", "999999"), "not_found")
    refused(shared.fdpctl("--json", "cancel", "999999"), "not_found")
