"""Privacy means data: a `public: false` storage location that is no file in the data store (a
code repository: a git remote and commit, as rDataPipeline's initialise() registers it) is
metadata and is pushed; a `public: false` local file is still withheld (tests/push/test_commit.py).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.push.processes import ACCEPT, Remote, Site, ana, remote, write_config
from tests.run.conftest import make_project

__all__ = ["ana", "remote"]  # the real fdpd and shared registry (tests/push/processes.py)

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_code_repo_location_marked_not_public_is_pushed_as_metadata(
    ana: Site, remote: Remote
) -> None:
    project = make_project(ana.root / "model", {"config.yaml": write_config("repo/out")})
    job = ana.run_model(project, "config.yaml", MODEL_WRITES="repo/out")
    assert job["exit_status"] == 0, job["output"]
    [model_run] = ana.job_runs(job["id"])
    run_uuid = _code_run_as_rdatapipeline_makes_it(ana, model_run)

    ana.ok("commit", run_uuid)
    status, final, events = ana.stream_result("push")

    assert status == 0, final
    items = {item["item"]: item["status"] for item in final["result"]["items"]}
    assert items == {f"code run {run_uuid}": "pushed"}, final
    warnings = [e["message"] for e in events if e["type"] == "warning"]
    assert not [w for w in warnings if "public" in w], warnings
    [remote_run] = remote.records("code_run", uuid=run_uuid)
    repo_object = httpx.get(remote_run["code_repo"], headers=ACCEPT).json()
    pushed = httpx.get(repo_object["storage_location"], headers=ACCEPT).json()
    assert (pushed["path"], pushed["hash"], pushed["public"]) == ("example/model", SHA, False)
    root = httpx.get(pushed["storage_root"], headers=ACCEPT).json()
    assert root["root"] == "https://github.com/", root
    assert len(remote.records("code_run")) == 1


def _code_run_as_rdatapipeline_makes_it(site: Site, model_run: str) -> str:
    """The records rDataPipeline's initialise() writes for a run with a `remote_repo`: a storage
    root for the git host, the repository location (`public = FALSE`), a `git` file type and the
    code repo object; then the code run naming it (config and script as the model run's)."""
    [run] = site.local("code_run", uuid=model_run)
    token = site.instance.locations.registry_token_path.read_text().strip()
    headers = {**ACCEPT, "Authorization": f"token {token}"}

    def post(table: str, body: dict[str, Any]) -> str:
        answer = httpx.post(f"{site.registry_url}{table}/", json=body, headers=headers)
        if answer.status_code == 409:  # already there (the R API looks up before it posts)
            [row] = site.local(table, **{k: str(v) for k, v in body.items() if k != "local"})
            return str(row["url"])
        assert answer.status_code == 201, answer.text
        return str(answer.json()["url"])

    config = httpx.get(run["model_config"], headers=ACCEPT).json()
    root = post("storage_root", {"root": "https://github.com/", "local": False})
    location = post(
        "storage_location",
        {"path": "example/model", "hash": SHA, "public": False, "storage_root": root},
    )
    file_type = post("file_type", {"name": "git", "extension": "git"})
    repo = post(
        "object",
        {
            "description": "Analysis / processing script location",
            "storage_location": location,
            "authors": config["authors"],
            "file_type": file_type,
        },
    )
    made = post(
        "code_run",
        {
            "run_date": run["run_date"],
            "description": "as rDataPipeline records it",
            "code_repo": repo,
            "model_config": run["model_config"],
            "submission_script": run["submission_script"],
            "inputs": [],
            "outputs": [],
        },
    )
    uuid: str = httpx.get(made, headers=ACCEPT).json()["uuid"]
    return uuid
