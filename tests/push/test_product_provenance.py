"""Committing a data product commits the code run that made it, with that run's provenance
(issue 21 item 2): `commit ana:x@0.0.2` then `push` used to leave the remote with one code run
for two versions. A run that uses private data stays back, and commit says so. Real fdpd,
fdpctl, pyDataPipeline runs and a real remote registry."""

from __future__ import annotations

from tests.push.in_process import Remote, Site, ana, remote, write_config

PRIVATE_READ = """\
run_metadata:
  description: derives from a private input
  script: python3 model.py
read:
  - data_product: prov/secret
    use:
      namespace: ana
      version: "0.0.1"
write:
  - data_product: prov/derived
    description: derived
    file_type: csv
"""

__all__ = [
    "ana",
    "remote",
]  # in process: tests/push/in_process.py


def test_a_committed_product_is_pushed_with_the_run_that_made_it(ana: Site, remote: Remote) -> None:
    project = ana.project("model", {"x.yaml": write_config("prov/x")})
    first = ana.run_model(project, "x.yaml", MODEL_WRITES="prov/x")
    second = ana.run_model(project, "x.yaml", MODEL_WRITES="prov/x")
    assert first["exit_status"] == second["exit_status"] == 0, second["output"]
    [second_run] = ana.job_runs(second["id"])
    ana.ok("commit", first["id"])
    ana.ok("push")
    assert remote.count("code_run") == 1

    planned = ana.ok("commit", "--dry-run", "ana:prov/x@0.0.2")

    assert f"with code run {second_run}" in planned and "nothing was committed" in planned
    assert "committed" not in ana.status_counts() or not ana.status_counts()["committed"]
    done = ana.ok("commit", "ana:prov/x@0.0.2")
    assert "committed ana:prov/x@0.0.2: 2 items" in done, done
    assert f"with code run {second_run}" in done
    assert ana.status_counts()["committed"]["code_run"] == 1
    status, final, _ = ana.stream_result("push", "--dry-run")
    assert status == 0, final
    listed = {item["item"]: item["status"] for item in final["result"]["items"]}
    assert listed == {f"code run {second_run}": "planned", "ana:prov/x@0.0.2": "planned"}

    ana.ok("push")

    assert remote.count("code_run") == 2
    [pushed_run] = remote.records("code_run", uuid=second_run)
    [version] = remote.records("data_product", name="prov/x", version="0.0.2")
    [component] = remote.records(
        "object_component", object=version["object"].rstrip("/").split("/")[-1]
    )
    assert component["url"] in pushed_run["outputs"]


def test_a_run_using_private_data_stays_back_and_commit_says_so(ana: Site, remote: Remote) -> None:
    project = ana.project(
        "model",
        {"secret.yaml": write_config("prov/secret", public=False), "derive.yaml": PRIVATE_READ},
    )
    secret = ana.run_model(project, "secret.yaml", MODEL_WRITES="prov/secret")
    derived = ana.run_model(
        project, "derive.yaml", MODEL_READS="prov/secret", MODEL_WRITES="prov/derived"
    )
    assert secret["exit_status"] == derived["exit_status"] == 0, derived["output"]
    [run] = ana.job_runs(derived["id"])

    [change] = ana.json("commit", "ana:prov/derived@0.0.1")["items"]

    assert change["with_runs"] == []
    [held] = change["held_back"]
    assert held.startswith(f"code run {run}: it uses private data") and "public: false" in held
    shown = ana.ok("status")
    assert ana.status_counts()["committed"].get("code_run") is None, shown
    ana.ok("push")
    assert remote.records("code_run", uuid=run) == []
    assert [p["name"] for p in remote.records("data_product")] == ["prov/derived"]
