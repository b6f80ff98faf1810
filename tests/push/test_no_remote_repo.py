"""A code repo with no git remote (issue 21 item 3): it was recorded as
`https://github.com/file:///home/ana/model` (fdp wrote a `file://` remote_repo and pyDataPipeline
put its GitHub root in front) and pushed so. Now the run says nobody else can fetch the code
(naming `git remote add`), the APIs get `no-remote://none/<folder>`, and push never publishes a
path of the user's machine, not even from a run recorded before. Real fdpd, fdpctl,
pyDataPipeline and a real remote registry."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx

from tests.pdp_job import RunMetadata, make_job, python_command
from tests.push.processes import Remote, Site, ana, remote, write_config
from tests.run.conftest import MODEL

__all__ = ["ana", "remote"]  # the real fdpd and shared registry (tests/push/processes.py)


def follow(link: str) -> dict[str, Any]:
    answer = httpx.get(link, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    record: dict[str, Any] = answer.json()
    return record


def code_repo_location(run: dict[str, Any]) -> tuple[str, str]:
    """A code run's code repository as (storage root, path), from the registry holding it."""
    location = follow(follow(run["code_repo"])["storage_location"])
    return str(follow(location["storage_root"])["root"]), str(location["path"])


def everything_on(remote: Remote) -> str:
    tables = ("storage_root", "storage_location")
    return json.dumps({table: remote.records(table) for table in tables})


def test_a_run_without_a_git_remote_warns_and_publishes_no_local_path(
    ana: Site, remote: Remote
) -> None:
    project = ana.project("model", {"x.yaml": write_config("repo/x")})
    result = ana.fdpctl("run", "x.yaml", cwd=project, env={"MODEL_WRITES": "repo/x"})

    assert result.returncode == 0, result.stderr
    assert "nobody else can fetch this code" in result.stderr
    assert "git remote add origin" in result.stderr
    [job] = ana.json("log")["jobs"][:1]
    [uuid] = ana.job_runs(job["id"])
    [run] = ana.local("code_run", uuid=uuid)
    root, path = code_repo_location(run)
    assert path == "no-remote://none/model" and "file:" not in root + path

    ana.ok("commit", job["id"])
    ana.ok("push")

    [pushed] = remote.records("code_run", uuid=uuid)
    assert code_repo_location(pushed) == ("no-remote://none/", "model")
    assert str(project) not in everything_on(remote) and "file:" not in everything_on(remote)


def test_a_run_recorded_with_a_local_path_is_pushed_without_it(ana: Site, remote: Remote) -> None:
    """A run pyDataPipeline recorded with `remote_repo: file:///…` (as fdp wrote before): push
    sends its code repository as `no-remote://none/<folder>` and says so."""
    repo = ana.root / "old-model"
    repo.mkdir()
    (repo / "model.py").write_text(MODEL)
    meta = RunMetadata(
        description="recorded before",
        local_data_registry_url=ana.registry_url,
        default_input_namespace="ana",
        default_output_namespace="ana",
        local_repo=repo,
        remote_repo=repo.as_uri(),
    )
    job = make_job(ana.store, meta, python_command(repo / "model.py"), [], [])
    token = (ana.instance.home / "data" / "tokens" / "ana.token").read_text().strip()
    done = subprocess.run(
        ["sh", str(job.script_path)], env=job.environment(token), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    [uuid] = [u for u in job.coderun_uuids() if u]
    [run] = ana.local("code_run", uuid=uuid)
    assert "file://" in code_repo_location(run)[1]  # what the API recorded

    ana.ok("commit", uuid)
    status, final, events = ana.stream_result("push")

    assert status == 0, final
    warnings = " ".join(e["message"] for e in events if e["type"] == "warning")
    assert "is a path on this machine" in warnings, events
    [pushed] = remote.records("code_run", uuid=uuid)
    assert code_repo_location(pushed) == ("no-remote://none/", "old-model")
    assert str(repo) not in everything_on(remote) and "file:" not in everything_on(remote)
