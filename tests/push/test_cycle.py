"""The whole cycle with real processes: run a pyDataPipeline model, commit, push to a shared
remote registry, then a second user on another fdp instance pulls what was pushed."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.push.in_process import Remote, Site, ana, fdp_site, remote, write_config

__all__ = [
    "ana",
    "remote",
]  # in process: tests/push/in_process.py


def test_run_commit_push_then_another_user_pulls(ana: Site, remote: Remote) -> None:
    project = ana.project("model", {"config.yaml": write_config("cycle/out")})
    job = ana.run_model(project, "config.yaml", MODEL_WRITES="cycle/out", MODEL_VALUE="7")
    assert job["exit_status"] == 0, job["output"]
    [run_uuid] = ana.job_runs(job["id"])
    before = ana.status_counts()
    assert before["local"]["code_run"] == 1 and before["local"]["data_product"] == 1
    assert not before["committed"] and not before["pushed"]

    committed = ana.json("commit", run_uuid[:8])

    [item] = committed["items"]
    assert (item["item"], item["before"], item["after"]) == (
        f"code run {run_uuid}",
        "local",
        "committed",
    )
    after_commit = ana.status_counts()
    assert after_commit["committed"]["code_run"] == 1
    assert after_commit["committed"]["data_product"] == 1
    # the closure: working config and script objects were not recorded by the run machinery
    assert after_commit["committed"]["object"] >= 3
    assert "code_run" not in after_commit["local"]

    plan = dry_run(ana)
    roles = [role for file in plan["files"] for role in file["is"]]
    assert any(role.startswith("working config") for role in roles), roles
    assert any(role.startswith("submission script") for role in roles), roles
    assert any("cycle/out" in role for role in roles), roles
    assert remote.counts()["code_run"] == 0  # nothing written by the dry run

    status, result, events = ana.stream_result("push")

    assert status == 0, result
    outcome = result["result"]
    assert {i["item"]: i["status"] for i in outcome["items"]} == {
        f"code run {run_uuid}": "pushed",
        "ana:cycle/out@0.0.1": "pushed",
    }
    assert outcome["files_transferred"] == 3  # output, working config, script
    assert sum(outcome["remote_requests"].values()) <= 60, outcome["remote_requests"]
    progress = [e for e in events if e["type"] == "progress"]
    assert {e.get("unit") for e in progress} >= {"files", "records"}
    [remote_run] = remote.records("code_run", uuid=run_uuid)
    [product] = remote.records("data_product", name="cycle/out")
    output = ana.local("storage_location", hash=job_output_hash(ana, "cycle/out"))[0]
    assert remote.file_sha1(output["hash"]) == output["hash"]
    for link in (remote_run["model_config"], remote_run["submission_script"]):
        location = ana.record(ana.record(link)["storage_location"])
        assert remote.file_sha1(location["hash"]) == location["hash"]
    pushed = ana.status_counts()
    assert pushed["pushed"]["code_run"] == 1 and pushed["pushed"]["data_product"] == 1
    assert not pushed.get("committed"), pushed
    detail = ana.json("status", "ana:cycle/out@0.0.1")["items"][0]
    assert detail["state"] == "pushed" and detail["remote"] == "origin"
    assert detail["remote_url"].endswith(product["url"].split("/api", 1)[1])
    assert detail["hash"] == output["hash"] and detail["file_present"] is True
    assert detail["synced"] is not None

    counts = remote.counts()
    status, again, _ = ana.stream_result("push")
    assert status == 0 and again["result"]["items"] == []  # nothing committed any more
    ana.ok("commit", run_uuid)  # already pushed: nothing changes
    assert remote.counts() == counts

    with fdp_site("bob") as bob:
        bob.add_remote(remote)
        (bob.root / "read.yaml").write_text(READ_CONFIG)
        bob.ok("pull", str(bob.root / "read.yaml"))
        [local_product] = bob.local("data_product", name="cycle/out")
        assert local_product["version"] == "0.0.1"
        copies = list((bob.store / "ana").rglob("*.csv"))
        assert [hashlib.sha1(p.read_bytes()).hexdigest() for p in copies] == [output["hash"]]
        assert bob.status_counts()["pulled"]["data_product"] == 1


READ_CONFIG = """\
run_metadata:
  description: bob reads what ana pushed
  script: python3 model.py
read:
  - data_product: cycle/out
    use:
      namespace: ana
      version: "0.0.1"
"""


def dry_run(site: Site) -> dict[str, Any]:
    status, final, _ = site.stream_result("push", "--dry-run")
    assert status == 0, final
    result: dict[str, Any] = final["result"]
    assert result["dry_run"] is True
    assert {i["status"] for i in result["items"]} == {"planned"}
    assert result["records_to_check"] >= 15 and result["files_transferred"] == 0
    return result


def job_output_hash(site: Site, name: str) -> str:
    [product] = site.local("data_product", name=name)
    obj = site.record(product["object"])
    return str(site.record(obj["storage_location"])["hash"])
