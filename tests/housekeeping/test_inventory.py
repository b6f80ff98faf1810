"""The Inventory's view of a registry read whole (fdp's registry app in process): records and
their links, who refers to whom, object units, closures."""

from __future__ import annotations

from fdpd.features.gc.inventory import VOCABULARY
from tests.housekeeping.inprocess import Runs


def test_every_record_is_read_with_links_as_local_paths(runs: Runs) -> None:
    inventory = runs.inventory
    kinds = sorted(node.type for node in inventory.nodes.values())
    # run a: 5 objects (config, script, repo, input, output) with their whole_object components
    # and storage locations, plus input's and output's `table`; run b: script and output.
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {
        "author": 1,
        "code_run": 2,
        "data_product": 3,
        "file_type": 3,
        "issue": 1,
        "namespace": 1,
        "object": 7,
        "object_component": 9,
        "storage_location": 7,
        "storage_root": 2,
    }
    run = inventory.nodes[runs.registry.path(runs.a)]
    assert run.key == "/api/code_run/1/"
    assert run.record["inputs"] == ["/api/object_component/2/"]
    assert all(key.startswith("/api/") for key in inventory.nodes)


def test_referrers_are_the_records_linking_to_one(runs: Runs) -> None:
    inventory = runs.inventory
    output_component = runs.registry.path({"url": runs.a["outputs"][0]})
    # a wrote it, b read it, the issue is attached to it (an issue links its components)
    assert inventory.referrers[output_component] == {
        runs.registry.path(runs.a),
        runs.registry.path(runs.b),
        runs.issue,
    }
    output = runs.run_parts(runs.a)["output"]
    location = str(inventory.nodes[output].record["storage_location"])
    assert inventory.referrers[location] == {output}
    # a component refers to its issues (the registry counts that set as the component's)
    assert inventory.referrers[runs.issue] == {output_component}
    assert set(inventory.references(output_component)) == {output, runs.issue}


def test_an_object_unit_is_the_object_with_its_parts(runs: Runs) -> None:
    inventory = runs.inventory
    output = runs.run_parts(runs.a)["output"]
    product = runs.product_of(output)
    components = {n.key for n in inventory.of_type("object_component")}
    own = {c for c in components if inventory.nodes[c].record["object"] == output}
    assert len(own) == 2  # whole_object and table
    assert inventory.unit(output) == {output, product, *own}
    assert inventory.unit(product) == inventory.unit(output)
    assert all(inventory.object_of(c) == output for c in own)
    # records outside any object are units of one; the storage location is not a part
    location = str(inventory.nodes[output].record["storage_location"])
    assert inventory.unit(location) == {location}
    assert inventory.object_of(location) is None
    run = runs.registry.path(runs.a)
    assert inventory.unit(run) == {run}


def test_closure_follows_dependencies_not_dependents(runs: Runs) -> None:
    inventory = runs.inventory
    a, b = runs.registry.path(runs.a), runs.registry.path(runs.b)
    parts = runs.run_parts(runs.a)
    closure_b = inventory.closure([b])
    # b depends on a's output (its object unit, file, issue) but not on run a, which made it
    output = parts["output"]
    b_record = inventory.nodes[b].record
    b_objects = {inventory.object_of(c) for c in b_record["outputs"]}
    b_objects.add(str(b_record["submission_script"]))
    shared = {n.key for n in inventory.of_type("namespace") + inventory.of_type("author")}
    assert closure_b == (
        {b, runs.issue}
        | runs.object_with_file(output)
        | set().union(*(runs.object_with_file(str(obj)) for obj in b_objects))
        | shared
        | {"/api/file_type/1/", "/api/storage_root/1/"}
    )
    assert a not in closure_b
    # nothing reaches b from a's side
    assert b not in inventory.closure([a])
    assert b not in inventory.closure([runs.product_of(parts["output"])])
    # unknown roots are ignored
    assert inventory.closure(["/api/code_run/999/"]) == set()


def test_vocabulary_types_are_the_shared_ones(runs: Runs) -> None:
    shared = {n.type for n in runs.inventory.nodes.values() if n.type in VOCABULARY}
    assert shared == {"namespace", "author", "file_type", "storage_root"}
