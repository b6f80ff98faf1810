"""Whose records a code run or data product owns (`own_records`), and delete's plan over them:
what it removes, and its refusals (depended upon, unsynced), each naming the item and saying
what to do. fdp's registry app in process; the journal is a temp SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fdpd.base.errors import FdpError
from fdpd.base.paths import resolve_locations
from fdpd.base.settings import DaemonSettings
from fdpd.core.context import DaemonContext
from fdpd.features.gc.delete import _plan as delete_plan
from fdpd.features.gc.ownership import own_records
from fdpd.journal import Journal
from fdpd.journal.models import ITEM_COMMITTED, ITEM_LOCAL, ITEM_PUSHED, Item
from fdpd.shared.targets import Root, Target
from tests.housekeeping.inprocess import Runs


def test_a_run_owns_its_config_script_repo_and_outputs_not_its_inputs(runs: Runs) -> None:
    run = runs.registry.path(runs.a)
    parts = runs.run_parts(runs.a)
    owned = own_records(runs.inventory, run)
    expected = {run, runs.issue}  # the issue is attached to its output's component
    for role in ("model_config", "submission_script", "code_repo", "output"):
        expected |= runs.object_with_file(parts[role])
    assert owned == expected
    assert not owned & runs.object_with_file(parts["input"])


def test_a_run_reading_another_runs_output_does_not_own_it(runs: Runs) -> None:
    run = runs.registry.path(runs.b)
    record = runs.inventory.nodes[run].record
    output = runs.inventory.object_of(record["outputs"][0])
    assert output is not None
    assert own_records(runs.inventory, run) == (
        {run}
        | runs.object_with_file(str(record["submission_script"]))
        | runs.object_with_file(output)
    )


def test_a_product_owns_its_object_unit_and_file_not_shared_vocabulary(runs: Runs) -> None:
    obj = runs.run_parts(runs.a)["input"]
    product = runs.product_of(obj)
    assert own_records(runs.inventory, product) == runs.object_with_file(obj)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    journal = Journal.open(tmp_path / "journal.db")
    yield journal
    journal.close()


def _context(journal: Journal, tmp_path: Path) -> DaemonContext:
    locations = resolve_locations({"FDP_HOME": str(tmp_path / "fdp")})
    return DaemonContext(locations, journal, DaemonSettings())


def _track(journal: Journal, paths: dict[str, str]) -> None:
    with journal.session() as session:
        for path, state in paths.items():
            kind = path.split("/")[2]
            session.add(Item(path=path, type=kind, state=state))


def _target(runs: Runs, path: str, given: str) -> Target:
    node = runs.inventory.nodes[path]
    label = f"code run {node.record['uuid']}" if node.type == "code_run" else given
    return Target(given, (Root(path, node.type, label, node.record.get("uuid")),))


def test_delete_plans_exactly_what_the_item_owns(
    runs: Runs, journal: Journal, tmp_path: Path
) -> None:
    run = runs.registry.path(runs.b)
    _track(journal, {run: ITEM_PUSHED})
    plan = delete_plan(_context(journal, tmp_path), runs.inventory, _target(runs, run, "b"), False)
    owned = own_records(runs.inventory, run)
    assert plan.records == {path: runs.inventory.nodes[path].type for path in sorted(owned)}


def test_delete_refuses_an_unsynced_item_unless_forced(
    runs: Runs, journal: Journal, tmp_path: Path
) -> None:
    run = runs.registry.path(runs.b)
    uuid = runs.b["uuid"]
    _track(journal, {run: ITEM_COMMITTED})
    ctx = _context(journal, tmp_path)
    with pytest.raises(FdpError) as refused:
        delete_plan(ctx, runs.inventory, _target(runs, run, uuid[:8]), False)
    assert refused.value.code == "unsynced_item"
    assert refused.value.message == (
        f"{uuid[:8]} is not on any remote (code run {uuid}: committed); "
        "deleting it loses it for good"
    )
    assert refused.value.hint == "push it first, or delete it anyway with --force"
    forced = delete_plan(ctx, runs.inventory, _target(runs, run, uuid[:8]), True)
    assert set(forced.records) == own_records(runs.inventory, run)


def test_delete_refuses_a_run_whose_output_another_run_read(
    runs: Runs, journal: Journal, tmp_path: Path
) -> None:
    run = runs.registry.path(runs.a)
    _track(journal, {run: ITEM_LOCAL})
    with pytest.raises(FdpError) as refused:
        delete_plan(_context(journal, tmp_path), runs.inventory, _target(runs, run, "a"), True)
    assert refused.value.code == "depended_upon"
    assert refused.value.message.startswith(
        f"cannot delete a: other items depend on it: code run {runs.b['uuid']} (uses it)"
    )
    assert refused.value.hint == "delete those first (or keep it)"


def test_delete_names_only_real_dependents(runs: Runs, journal: Journal, tmp_path: Path) -> None:
    run = runs.registry.path(runs.a)
    with pytest.raises(FdpError) as refused:
        delete_plan(_context(journal, tmp_path), runs.inventory, _target(runs, run, "a"), True)
    assert refused.value.message == (
        f"cannot delete a: other items depend on it: code run {runs.b['uuid']} (uses it)"
    )


def test_delete_refuses_a_product_a_run_read(runs: Runs, journal: Journal, tmp_path: Path) -> None:
    product = runs.product_of(runs.run_parts(runs.a)["input"])
    given = "PSU:a/input@0.1.0"
    with pytest.raises(FdpError) as refused:
        delete_plan(
            _context(journal, tmp_path), runs.inventory, _target(runs, product, given), True
        )
    assert refused.value.message == (
        f"cannot delete {given}: other items depend on it: code run {runs.a['uuid']} (uses it)"
    )
