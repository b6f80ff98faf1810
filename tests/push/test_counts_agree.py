"""One count of items and records (issue 24): for pySimpleModel's run (a `register:`ed input
read, two outputs written), `run`, `status`, `commit` and `push --dry-run` give the same number
of items (code runs and data product versions) and of registry records, the records `commit`
takes into the closure (local storage roots left out: a push never sends them); `push` says how
many of them the remote then holds, and how many it had to create. Real fdpd, a real shared
remote registry (and the reference registry: the same figures), a real pyDataPipeline model."""

from __future__ import annotations

import re
from pathlib import Path

from tests.push.processes import Remote, Site, ana, fdp_site, remote
from tests.reference_registry import reference_registry

__all__ = ["ana", "remote"]  # the real fdpd and shared registry (tests/push/processes.py)

COUNT = re.compile(r"(\d+) items(?: to push)? \((\d+) registry records")


def simple_model(source: Path) -> str:
    return f"""\
run_metadata:
  default_input_namespace: rfield
  description: SEIRS Model python
  script: python3 model.py
register:
  - namespace: PSU
    full_name: Pennsylvania State University
    website: https://ror.org/04p491231
  - external_object: SEIRS_model/parameters
    namespace_name: PSU
    root: file://{source.parent}/
    path: {source.name}
    title: Static parameters of the model
    description: Static parameters of the model
    identifier: https://doi.org/10.1038/s41592-020-0856-2
    file_type: csv
    release_date: 2021-09-20T12:00
    version: "1.0.0"
    primary: "false"
read:
  - data_product: SEIRS_model/parameters
    use:
      namespace: PSU
write:
  - data_product: SEIRS_model/results/model_output/python
    description: SEIRS model results
    file_type: csv
  - data_product: SEIRS_model/results/figure/python
    description: SEIRS output plot
    file_type: png
"""


def _count(text: str) -> tuple[int, int]:
    found = COUNT.search(text)
    assert found is not None, text
    return int(found.group(1)), int(found.group(2))


def test_run_status_commit_and_push_count_alike(ana: Site, remote: Remote, tmp_path: Path) -> None:
    source = tmp_path / "src" / "static_params_SEIRS.csv"
    source.parent.mkdir()
    source.write_text("param,value\nbeta,0.21\n")
    project = ana.project("simple", {"c.yaml": simple_model(source)})
    ana.ok("pull", "c.yaml", cwd=project)
    writes = "SEIRS_model/results/model_output/python,SEIRS_model/results/figure/python"
    env = {"MODEL_READS": "SEIRS_model/parameters", "MODEL_WRITES": writes}
    job = ana.run_model(project, "c.yaml", **env)
    assert job["exit_status"] == 0, job["output"]

    [headline] = [line for line in job["output"].splitlines() if " succeeded: " in line]
    ran = _count(headline)
    [local_line] = [line for line in ana.ok("status").splitlines() if "Local only" in line]
    assert _count(local_line) == ran

    committed = _count(ana.ok("commit", job["id"]).splitlines()[0])
    assert committed == ran
    assert committed[0] == 4  # the code run, its two outputs and the registered input
    [status_line] = [line for line in ana.ok("status").splitlines() if "Committed" in line]
    assert _count(status_line) == committed
    planned = ana.ok("push", "--dry-run")
    assert _count(planned) == committed, planned
    pushed = ana.ok("push")
    assert f"4 items pushed ({committed[1]} registry records on origin, " in pushed, pushed
    created = int(re.findall(r"registry records on origin, (\d+) of them created", pushed)[0])
    assert 0 < created <= committed[1]  # the remote makes some itself (object components)
    on_remote = sum(remote.counts().values())
    assert on_remote >= created
    synced = [line for line in ana.ok("status").splitlines() if line.startswith("Synced")]
    assert _count(synced[0]) == committed, synced


def test_push_to_the_reference_registry_gives_the_same_figures(tmp_path: Path) -> None:
    """The records the remote then holds are the items' records whichever registry it is (how
    many it had to create may differ)."""
    source = tmp_path / "src" / "static_params_SEIRS.csv"
    source.parent.mkdir()
    source.write_text("param,value\nbeta,0.21\n")
    token = tmp_path / "reference.token"
    with reference_registry(s3=True) as ref, fdp_site("ana") as ana:
        token.write_text(ref.token + "\n")
        token.chmod(0o600)
        store = ["--data-store", f"{ref.url}/data/"]
        ana.ok("remote", "add", "origin", ref.api_url, "--token-file", str(token), *store)
        project = ana.project("simple", {"c.yaml": simple_model(source)})
        ana.ok("pull", "c.yaml", cwd=project)
        writes = "SEIRS_model/results/model_output/python,SEIRS_model/results/figure/python"
        env = {"MODEL_READS": "SEIRS_model/parameters", "MODEL_WRITES": writes}
        job = ana.run_model(project, "c.yaml", **env)
        assert job["exit_status"] == 0, job["output"]
        committed = _count(ana.ok("commit", job["id"]).splitlines()[0])
        assert _count(ana.ok("push", "--dry-run")) == committed
        pushed = ana.ok("push")
        assert f"4 items pushed ({committed[1]} registry records on origin, " in pushed, pushed
