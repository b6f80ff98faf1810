"""Push's planning in process (fdpd/shared/closure.py): the provenance closure of a committed
code run, the runs that made a product, and the runs a push keeps back, over two code runs in
fdp's registry app in process (tests/housekeeping/inprocess.py): run a writes an output that
run b reads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from fdpd.shared.closure import add_producing_runs, closure_of, held_back, load_graph
from fdpd.sync.graph import RecordGraph
from tests.housekeeping.inprocess import Runs, add_runs, registry_in_process


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    folder = tmp_path_factory.mktemp("closure")
    with registry_in_process(folder / "registry") as registry:
        yield add_runs(registry, folder / "store")


def graph_of(runs: Runs, roots: list[str]) -> RecordGraph:
    async def load() -> RecordGraph:
        async with runs.registry.client() as client:
            return await load_graph(client, roots)

    return asyncio.run(load())


def test_a_runs_closure_holds_its_parts_and_no_local_storage_root(runs: Runs) -> None:
    a = runs.registry.path(runs.a)
    parts = runs.run_parts(runs.a)

    graph = graph_of(runs, [a])
    closure = closure_of(graph, [a])

    assert closure[a] == "code_run"
    for role in ("model_config", "submission_script", "input", "output"):
        assert parts[role] in closure, role
        assert closure[parts[role]] == "object"
    assert runs.product_of(parts["output"]) in closure
    roots = {
        key: str(node.record["root"])
        for key, node in graph.nodes.items()
        if node.type == "storage_root"
    }
    local = [key for key, root in roots.items() if root.startswith("file://")]
    assert local  # the run's files are under a file:// root...
    assert not set(local) & set(closure)  # ...which never reaches a remote: push names its own
    assert set(roots) - set(local) <= set(closure)  # other roots (the code's) go with the run
    assert all(key.startswith("/api/") for key in closure)


def test_a_products_producing_run_is_found_and_loaded(runs: Runs) -> None:
    a = runs.registry.path(runs.a)
    output = runs.product_of(runs.run_parts(runs.a)["output"])
    graph = graph_of(runs, [output])
    assert a not in graph.nodes  # the loader does not follow the reverse links

    async def add() -> dict[str, list[str]]:
        async with runs.registry.client() as client:
            return await add_producing_runs(client, graph, [output])

    found = asyncio.run(add())

    assert found == {output: [a]}
    assert a in graph.nodes and runs.run_parts(runs.a)["model_config"] in graph.nodes


def test_runs_on_public_data_are_not_held_back(runs: Runs) -> None:
    a, b = runs.registry.path(runs.a), runs.registry.path(runs.b)

    assert held_back(graph_of(runs, [a, b]), [a, b]) == {}


def test_a_run_reading_private_data_is_held_back_with_why(tmp_path: Path) -> None:
    with registry_in_process(tmp_path / "registry") as registry:
        private = add_runs(registry, tmp_path / "store")
        output = private.run_parts(private.a)["output"]
        marked = {"object": registry.base_url + output, "key": "accessibility", "value": "private"}
        registry.seeder.post("key_value", marked)
        a, b = registry.path(private.a), registry.path(private.b)

        held = held_back(graph_of(private, [a, b]), [a, b])

    assert sorted(held) == sorted([a, b]), held  # a wrote it, b read it
    assert all(why.startswith("it uses private data") for why in held.values()), held
