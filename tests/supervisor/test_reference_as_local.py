"""The reference FAIR data registry (FAIRDataPipeline/data-registry 1.2.1, Django) as the local
registry (`registry: command:`): every fdpctl verb works through the standard REST API, or refuses
before it changes anything when it needs fdp's own registry. Real fdpd, fdpctl, pyDataPipeline
model and reference registry; fdp's shared registry as the remote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.push.processes import Remote, Site, remote_registry
from tests.push.processes import write_config as write_only
from tests.reference_registry import reference_settings
from tests.supervisor.reference_local import (
    PreparedReference,
    ReferenceLocal,
    prepare_once,
    reference_site,
)
from tests.sync.seed import Seeder, add_product

WRITE = "ref/out"
REGISTERED = "sources:tables/source@1.0.0"
PULLED = "shared:remote/table@1.0.0"
COUNTED = ("author", "user_author", "namespace", "object", "data_product", "code_run")


def config_text(source: Path) -> str:
    """Register a local CSV, read it and a product of the remote, write one product."""
    return f"""\
run_metadata:
  description: reads a registered and a pulled table, writes {WRITE}
  script: python3 model.py
register:
  - data_product: tables/source
    namespace_name: sources
    root: file://{source.parent}/
    path: {source.name}
    file_type: csv
    version: "1.0.0"
read:
  - data_product: tables/source
    use:
      namespace: sources
      version: "1.0.0"
  - data_product: remote/table
    use:
      namespace: shared
      version: "1.0.0"
write:
  - data_product: {WRITE}
    description: product written next to the reference registry
    file_type: csv
"""


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> PreparedReference:
    """The reference's database set up once; each test's site gets its own copy (the tests
    change it)."""
    reference_settings()  # skip, with the reason, before starting anything
    return prepare_once(tmp_path_factory.mktemp("reference"))


@pytest.fixture
def site(
    prepared: PreparedReference, tmp_path: Path
) -> Iterator[tuple[Site, ReferenceLocal, Remote]]:
    # The remote first: the reference's port stays free until fdpd starts it on demand.
    with (
        remote_registry(tmp_path) as remote,
        reference_site("ana", prepared) as (fdp, reference),
    ):
        yield fdp, reference, remote


def test_every_verb_works_or_refuses_with_the_reference_as_local_registry(
    site: tuple[Site, ReferenceLocal, Remote], tmp_path: Path
) -> None:
    ana, reference, remote = site
    author = configure(ana, reference)
    ana.add_remote(remote)
    seed_remote(remote)
    project = pull(ana, tmp_path)

    run = run_model(ana, reference, project)

    assert [reference.path(a) for a in reference.output_object(run)["authors"]] == [author]
    commit_info_push(ana, reference, remote, run)
    other_verbs(ana, project, run["uuid"])
    refusals(ana, reference, run["uuid"])


def configure(ana: Site, reference: ReferenceLocal) -> str:
    """`config` twice: one author, `admin` linked to it once (user_author created over REST)."""
    args = ("config", "ana", "--data-store", str(ana.store), "--name", "Ana Smith")
    configured = ana.json(*args)
    assert configured["warnings"] == []
    assert ana.json(*args)["author_url"] == configured["author_url"]
    assert (reference.count("author"), reference.count("user_author")) == (1, 1)
    assert reference.admin_author() == configured["author_url"]
    author_url: str = configured["author_url"]
    return author_url


def seed_remote(remote: Remote) -> None:
    """shared:remote/table@1.0.0 on the remote, its file in the remote's data store."""
    seeder = Seeder(remote.registry.base_url, remote.tokens["ana"].read_text().strip())
    try:
        content = b"station,level\n1,3.2\n"
        seeder.upload(content)
        root = f"{remote.registry.base_url}/data/"
        add_product(
            seeder,
            namespace="shared",
            name="remote/table",
            version="1.0.0",
            content=content,
            root=root,
        )
    finally:
        seeder.close()


def pull(ana: Site, tmp_path: Path) -> Path:
    """`pull` registers the local CSV and copies the remote's product into the reference."""
    source = tmp_path / "sources" / "table.csv"
    source.parent.mkdir()
    source.write_bytes(b"key,value\na,1\n")
    project = ana.project("model", {"config.yaml": config_text(source)})
    status, final, _ = ana.stream_result("pull", str(project / "config.yaml"))
    assert status == 0, final
    items = {item["item"]: item["status"] for item in final["result"]["items"]}
    assert items[REGISTERED] == "registered", items
    assert items[PULLED] == "pulled", items
    assert ana.status_counts()["pulled"]["data_product"] == 1
    return project


def run_model(ana: Site, reference: ReferenceLocal, project: Path) -> dict[str, Any]:
    """`run` a pyDataPipeline model against the reference: its code run, recorded as local."""
    reads = "tables/source,remote/table"
    job = ana.run_model(project, "config.yaml", MODEL_READS=reads, MODEL_WRITES=WRITE)
    assert job["exit_status"] == 0, job["output"]
    assert "read tables/source: key,value" in job["output"]
    assert "read remote/table: station,level" in job["output"]
    [run_uuid] = ana.job_runs(job["id"])
    [run] = reference.records("code_run", uuid=run_uuid)
    assert ana.status_counts()["local"]["code_run"] == 1
    return run


def commit_info_push(
    ana: Site, reference: ReferenceLocal, remote: Remote, run: dict[str, Any]
) -> None:
    committed = ana.json("commit", run["uuid"][:8])
    assert [i["after"] for i in committed["items"]] == ["committed"]
    [detail] = ana.json("info", f"ana:{WRITE}@0.0.1")["items"]
    assert detail["metadata"]["authors"] == [{"name": "Ana Smith", "identifier": None}]
    [produced] = detail["provenance"]["produced_by"]
    assert sorted(produced["inputs"]) == sorted([REGISTERED, PULLED])

    status, final, _ = ana.stream_result("push")

    assert status == 0, final
    pushed = {i["item"]: i["status"] for i in final["result"]["items"]}
    assert pushed == {
        f"code run {run['uuid']}": "pushed",
        f"ana:{WRITE}@0.0.1": "pushed",
        REGISTERED: "pushed",  # registered here: in the run's closure
    }
    [remote_run] = remote.records("code_run", uuid=run["uuid"])
    assert len(remote_run["inputs"]) == 2
    output = reference.output_hash(run)
    assert remote.file_sha1(output) == output
    assert ana.json("status", f"ana:{WRITE}@0.0.1")["items"][0]["state"] == "pushed"


def other_verbs(ana: Site, project: Path, run_uuid: str) -> None:
    """The verbs that only read the local registry or the journal."""
    working = yaml.safe_load(ana.ok("generate", "config.yaml", cwd=project))
    assert [r["use"]["namespace"] for r in working["read"]] == ["sources", "shared"]
    assert ana.fdpctl("run", "--dry-run", "config.yaml", cwd=project).returncode == 0
    assert "up to date" in ana.ok("update")
    assert "not committed (pushed)" in ana.ok("uncommit", run_uuid)
    assert "running at" in ana.ok("registry", "status")
    assert ana.json("log")["jobs"][0]["state"] == "succeeded"
    check = ana.fdpctl("daemon", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def refusals(ana: Site, reference: ReferenceLocal, run_uuid: str) -> None:
    """gc and delete say they need fdp's registry, and change nothing."""
    before = {kind: reference.count(kind) for kind in COUNTED}
    files = sorted(p for p in ana.store.rglob("*") if p.is_file())
    operations = operation_ids(ana)
    for verb in (["gc"], ["gc", "--files", "--all"], ["delete", "--force", run_uuid]):
        refused = ana.fdpctl(*verb)
        assert refused.returncode != 0, refused.stdout
        said = refused.stderr
        assert f"{verb[0]} needs fdp's own registry" in said, said
        assert "no delete API" in said and "nothing was changed" in said
        assert f"remove `registry: command:` from {ana.instance.locations.config_file}" in said
    assert {kind: reference.count(kind) for kind in COUNTED} == before
    assert sorted(p for p in ana.store.rglob("*") if p.is_file()) == files
    assert operation_ids(ana) == operations  # refused before an operation was started
    assert ana.json("status", f"ana:{WRITE}@0.0.1")["items"][0]["state"] == "pushed"


def test_a_second_user_is_set_up_but_runs_for_them_are_refused(
    site: tuple[Site, ReferenceLocal, Remote],
) -> None:
    """The reference cannot re-point `admin`'s user_author: `config` says what to change in its
    admin pages, and `run` refuses rather than attribute the run to the other author."""
    ana, reference, _ = site
    first = ana.json("config", "ana", "--data-store", str(ana.store), "--name", "Ana Smith")

    result = ana.fdpctl("config", "bob", "--data-store", str(ana.store), "--name", "Bob Jones")

    assert result.returncode == 0, result.stderr
    assert "'Ana Smith'" in result.stderr and "'Bob Jones'" in result.stderr
    assert "/admin/data_management/userauthor/" in result.stderr
    assert reference.admin_author() == first["author_url"]
    project = ana.project("model", {"config.yaml": write_only(WRITE)})
    refused = ana.fdpctl("run", "config.yaml", cwd=project, env={"MODEL_WRITES": WRITE})
    assert refused.returncode != 0
    assert "cannot change that link" in refused.stderr, refused.stderr
    assert reference.count("code_run") == 0


def operation_ids(site: Site) -> list[int]:
    return [op["id"] for op in site.json("log", "--limit", "100")["operations"]]
