"""`fdpctl init` writes a starter config.yaml that runs as written: init, run, commit and push
with the real fdpctl, fdpd, pyDataPipeline and a shared remote registry."""

from __future__ import annotations

import re

import yaml

from tests.push.processes import Remote, Site, ana, remote
from tests.run.conftest import git

__all__ = ["ana", "remote"]  # the real fdpd and shared registry (tests/push/processes.py)


def test_init_then_run_commit_push_works_as_written(ana: Site, remote: Remote) -> None:
    project = ana.root / "River Model"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    git(project, "remote", "add", "origin", "https://git.example.org/ana/river-model.git")
    (project / "README").write_text("a model\n")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "start")

    said = ana.ok("init", cwd=project)

    assert said.splitlines() == [
        "wrote config.yaml: a starter run whose script writes the data product river-model/example",
        "next: fdpctl run config.yaml",
    ]
    config = yaml.safe_load((project / "config.yaml").read_text())
    assert [w["data_product"] for w in config["write"]] == ["river-model/example"]

    ran = ana.fdpctl("run", "config.yaml", cwd=project)  # the next command, as printed

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout == "wrote river-model/example\n"
    assert "warning" not in ran.stderr, ran.stderr
    found = re.search(r"^next: (fdpctl commit \S+)", ran.stderr, re.MULTILINE)
    assert found, ran.stderr
    job = found.group(1).split()[-1]
    answer = ana.instance.request("GET", f"/v1/jobs/{job}").json()
    working = yaml.safe_load(answer["working_config"])
    assert working["run_metadata"]["local_data_registry_url"] == ana.registry_url
    ana.ok(*found.group(1).split()[1:], cwd=project)
    status, final, _ = ana.stream_result("push")
    assert status == 0, final
    assert {i["item"] for i in final["result"]["items"] if i["status"] == "pushed"} >= {
        "ana:river-model/example@0.0.1"
    }
    [product] = remote.records("data_product", name="river-model/example")
    assert product["version"] == "0.0.1"


def test_init_keeps_an_existing_config_unless_forced(ana: Site) -> None:
    project = ana.root / "keep"
    project.mkdir()
    (project / "config.yaml").write_text("mine\n")

    refused = ana.fdpctl("init", cwd=project)

    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"fdpctl: {project / 'config.yaml'} exists already; nothing was written",
        "  hint: keep it, or replace it with `fdpctl init --force`",
    ]
    assert (project / "config.yaml").read_text() == "mine\n"
    ana.ok("init", "--force", cwd=project)
    assert "data_pipeline_api" in (project / "config.yaml").read_text()
