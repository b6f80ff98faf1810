"""`fdpctl info` on each kind of item (code run, job, data product, file path) and its
provenance graph: ana registers a source, runs a real pyDataPipeline model that reads it and
writes an output, commits and pushes to a shared remote registry; fdp in process
(tests/push/in_process.py), Graphviz's own `dot` where it checks fdp's DOT."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fdp_process import FDPCTL
from tests.push.in_process import Remote, Site, fdp_site, remote_registry

# Quotes, a backslash and a brace in registry text: the DOT must show them literally.
AWKWARD = 'mean "flow" per station \\ {hourly}'
CONFIG = """\
run_metadata:
  description: info test run
  script: python3 model.py
  public: true
register:
  - namespace: src
    full_name: Sources
  - data_product: raw/input
    namespace_name: src
    root: {root}
    path: input.csv
    file_type: csv
    version: "1.0.0"
read:
  - data_product: source
    use:
      data_product: raw/input
      namespace: src
      version: "1.0.0"
write:
  - data_product: info/out
    description: '{description}'
    file_type: csv
    public: true
"""


@dataclass
class Story:
    remote: Remote
    ana: Site
    job_id: str
    run_uuid: str

    @property
    def output_file(self) -> Path:
        [path] = (self.ana.store / "ana" / "info" / "out").glob("*.csv")
        return path

    def info(self, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        result = self.ana.fdpctl("--json", "info", *args, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        answer: dict[str, Any] = json.loads(result.stdout)
        return answer


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    with ExitStack() as stack:
        remote = stack.enter_context(remote_registry(tmp_path_factory.mktemp("info")))
        ana = stack.enter_context(fdp_site("ana"))
        ana.add_remote(remote)
        sources = ana.root / "sources"
        sources.mkdir()
        (sources / "input.csv").write_text("station,flow\nA,1.5\n")
        config = CONFIG.format(root=sources.as_uri() + "/", description=AWKWARD.replace("'", "''"))
        project = ana.project("model", {"config.yaml": config})
        ana.ok("pull", "config.yaml", cwd=project)
        job = ana.run_model(project, "config.yaml", MODEL_READS="source", MODEL_WRITES="info/out")
        assert job["exit_status"] == 0, job["output"]
        [run_uuid] = ana.job_runs(job["id"])
        ana.ok("commit", job["id"])
        status, result, _ = ana.stream_result("push")
        assert status == 0, result
        yield Story(remote, ana, job["id"], run_uuid)


def test_info_on_a_code_run(story: Story) -> None:
    answer = story.info(story.run_uuid[:8])

    [item] = answer["items"]
    assert item["item"] == f"code run {story.run_uuid}" and item["type"] == "code_run"
    assert item["provenance"]["inputs"] == ["src:raw/input@1.0.0"]
    assert item["provenance"]["outputs"] == ["ana:info/out@0.0.1"]
    assert item["provenance"]["authors"] == ["Ana"]
    assert set(item["metadata"]["files"]) >= {"working config", "script"}
    assert item["state"] == "pushed" and item["remote"] == "origin"
    [remote_run] = story.remote.records("code_run", uuid=story.run_uuid)
    assert item["remote_url"].endswith(remote_run["url"].split("/api", 1)[1])
    [output] = item["outputs"]
    assert output["file"]["path"] == str(story.output_file)
    assert output["state"] == "pushed"
    assert "job" not in answer  # a uuid names the run, not its job


def test_info_on_a_job(story: Story) -> None:
    answer = story.info(story.job_id)

    assert answer["job"]["id"] == story.job_id and answer["job"]["state"] == "succeeded"
    assert answer["job"]["code_runs"] == [story.run_uuid]
    assert [item["item"] for item in answer["items"]] == [f"code run {story.run_uuid}"]
    text = story.ana.ok("info", story.job_id)
    assert "job:" in text and "src:raw/input@1.0.0 -> code run" in text


def test_info_on_a_data_product(story: Story) -> None:
    answer = story.info("ana:info/out@0.0.1")

    [item] = answer["items"]
    meta, file = item["metadata"], item["file"]
    content = story.output_file.read_bytes()
    assert (meta["namespace"], meta["name"], meta["version"]) == ("ana", "info/out", "0.0.1")
    assert meta["description"] == AWKWARD and meta["file_type"] == "csv"
    assert [a["name"] for a in meta["authors"]] == ["Ana"]
    assert file["hash"] == hashlib.sha1(content).hexdigest()
    assert file["size"] == len(content) and file["present"] is True and file["public"] is True
    [made_by] = item["provenance"]["produced_by"]
    assert made_by["run"] == f"code run {story.run_uuid}"
    assert made_by["inputs"] == ["src:raw/input@1.0.0"]
    assert item["state"] == "pushed" and item["remote_url"].startswith(story.remote.api)
    source = story.info("src:raw/input@1.0.0")["items"][0]
    assert source["provenance"]["produced_by"] == []  # registered, not made by a run
    assert source["provenance"]["used_by"] == [f"code run {story.run_uuid}"]


def test_info_on_a_file_path(story: Story) -> None:
    answer = story.info(str(story.output_file))

    assert answer["file"]["path"] == str(story.output_file)
    assert answer["file"]["size"] == story.output_file.stat().st_size
    assert answer["file"]["hash"] == hashlib.sha1(story.output_file.read_bytes()).hexdigest()
    assert [item["item"] for item in answer["items"]] == ["ana:info/out@0.0.1"]


def test_graph_of_a_job_as_dot(story: Story, tmp_path: Path) -> None:
    target = tmp_path / "job.dot"

    answer = story.info(story.job_id, "--graph", str(target))

    nodes, edges = read_dot(target.read_text())
    assert len(nodes) == answer["graph"]["nodes"] and len(edges) == answer["graph"]["edges"]
    by_label = {label.split("\n")[0]: node for node, label in nodes.items()}
    run = by_label[f"code run {story.run_uuid[:8]}"]
    product, source = by_label["ana:info/out@0.0.1"], by_label["src:raw/input@1.0.0"]
    assert (source, run, "input") in edges and (run, product, "output") in edges
    assert {"working config", "script", "Ana"} <= set(by_label)
    assert nodes[product] == f"ana:info/out@0.0.1\n{AWKWARD}"  # escaped, then read back intact
    if shutil.which("dot"):  # Graphviz's own parser agrees
        plain = subprocess.run(
            ["dot", "-Tplain", str(target)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert sum(line.startswith("node ") for line in plain) == len(nodes)
        assert sum(line.startswith("edge ") for line in plain) == len(edges)


def test_graph_as_svg_or_dot_without_graphviz(story: Story, tmp_path: Path) -> None:
    picture = tmp_path / "product.svg"
    if shutil.which("dot"):
        story.info("ana:info/out@0.0.1", "--graph", str(picture))
        assert picture.read_text().lstrip().startswith("<?xml")
        assert "ana:info/out@0.0.1" in picture.read_text()
        picture.unlink()
    # no Graphviz on PATH (only fdpctl's own folder): the DOT text is written instead, and said
    result = story.ana.fdpctl(
        "info", "ana:info/out@0.0.1", "--graph", str(picture), env={"PATH": str(FDPCTL.parent)}
    )
    assert result.returncode == 0, result.stderr
    assert not picture.exists()
    fallback = picture.with_suffix(".dot")
    assert "Graphviz" in result.stderr and str(fallback) in result.stderr
    nodes, edges = read_dot(fallback.read_text())
    assert len(nodes) >= 3 and edges


def test_info_errors_are_plain(story: Story) -> None:
    unknown = story.ana.fdpctl("info", "nobody:nothing@1.0.0")
    assert unknown.returncode != 0 and "no data product nobody:nothing@1.0.0" in unknown.stderr
    bad_graph = story.ana.fdpctl("info", story.job_id, "--graph", "picture.png")
    assert bad_graph.returncode != 0 and "FILE.svg" in bad_graph.stderr
    for result in (unknown, bad_graph):
        assert "Traceback" not in result.stderr


# --- a small reader for the DOT fdp writes: statements `id [attrs];` and `a -> b [attrs];` ---

_STRING = r'"((?:[^"\\]|\\.)*)"'
_NODE = re.compile(r"^\s*(n\d+) \[(.*)\];$")
_EDGE = re.compile(r"^\s*(n\d+) -> (n\d+) \[(.*)\];$")


def read_dot(text: str) -> tuple[dict[str, str], set[tuple[str, str, str]]]:
    """Node id → label and (source, target, label) edges, with DOT escapes undone."""
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    nodes: dict[str, str] = {}
    edges: set[tuple[str, str, str]] = set()
    for line in text.splitlines()[1:-1]:
        if edge := _EDGE.match(line):
            edges.add((edge[1], edge[2], _attribute(edge[3], "label")))
        elif node := _NODE.match(line):
            nodes[node[1]] = _attribute(node[2], "label")
    for source, target, _ in edges:
        assert source in nodes and target in nodes
    return nodes, edges


def _attribute(attributes: str, name: str) -> str:
    found = re.search(rf"(?:^|, ){name}={_STRING}", attributes)
    assert found, attributes
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], found[1])


def test_dot_reader_undoes_escapes() -> None:
    from fdpd.features.info.dot import quote

    text = 'a "b" \\ c\nd \\n'
    found = re.fullmatch(_STRING, quote(text))
    assert found and re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], found[1]) == text
    assert os.linesep not in quote(text)
