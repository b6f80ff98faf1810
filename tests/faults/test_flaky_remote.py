"""A remote that answers slowly, answers 500, drops connections or loses its answers (a
FaultyRelay in front of a real registry): requests safe to repeat are retried a bounded number of
times with back-off, then the command fails with a clear error; the journal stays resumable and
the next pull or push completes without duplicates."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from fdpd.remote.client import RETRY_DELAYS
from tests.faults.conftest import (
    Faulty,
    fault_site,
    faulty_remote,
    journal,
    local_view,
    pull_project,
    start_fdpctl,
    wait_for,
)
from tests.faults.consistency import (
    RegistryView,
    assert_journal_settled,
    assert_registry_consistent,
    assert_store_clean,
)
from tests.push.processes import Site, write_config

ATTEMPTS = 1 + len(RETRY_DELAYS)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Faulty, Site]]:
    """One remote and one ana for the module (nothing here kills them); tests use their own
    namespaces and look only at their own operations."""
    with faulty_remote(tmp_path_factory.mktemp("remote")) as found, fault_site("ana") as site:
        site.add_remote(found.remote, url=f"{found.relay.url}/api/")
        yield found, site


@pytest.fixture
def faulty(shared: tuple[Faulty, Site]) -> Iterator[Faulty]:
    found = shared[0]
    found.relay.injected.clear()
    yield found
    found.relay.heal()
    found.relay.throttle(0)


@pytest.fixture
def ana(shared: tuple[Faulty, Site], faulty: Faulty) -> Site:
    return shared[1]


def new_operations(site: Site, verb: str, before: int) -> list[str]:
    return journal(site).operations(verb)[before:]


def publish_three(faulty: Faulty, namespace: str) -> tuple[set[str], list[tuple[str, str]]]:
    names = [f"wind/mast{n}" for n in range(3)]
    products = {faulty.publish(namespace, name, f"{namespace},{name}\n".encode()) for name in names}
    return products, [(namespace, name) for name in names]


def assert_pull_complete(site: Site, products: set[str]) -> None:
    local = local_view(site)
    assert products <= local.products()
    assert_registry_consistent(local, site.store)
    assert_store_clean(site.store)
    assert_journal_settled(journal(site))


def test_slow_answers_and_a_few_500s_are_ridden_out(ana: Site, faulty: Faulty) -> None:
    products, reads = publish_three(faulty, "slow")
    config = pull_project(ana, *reads)
    faulty.relay.throttle(0.05)  # every 16 KiB of every answer 50 ms late
    faulty.relay.inject("500", count=ATTEMPTS - 1)

    status, final, events = ana.stream_result("pull", str(config))

    assert status == 0, events[-3:]
    assert final["result"]["ok"] is True
    assert faulty.relay.injected["500"] == ATTEMPTS - 1
    assert_pull_complete(ana, products)


def test_remote_failing_every_request_gives_up_after_bounded_retries(
    ana: Site, faulty: Faulty
) -> None:
    products, reads = publish_three(faulty, "failing")
    config = pull_project(ana, *reads)
    pulls = len(journal(ana).operations("pull"))
    faulty.relay.inject("500")

    started = time.monotonic()
    status, final, _ = ana.stream_result("pull", str(config))
    elapsed = time.monotonic() - started

    assert status == 1
    error = final["error"]
    assert "remote origin failed with HTTP 500" in error["message"], error
    assert error["hint"] == "try again later; the registry's log says why"
    assert faulty.relay.injected["500"] == ATTEMPTS  # one request, tried ATTEMPTS times
    assert elapsed >= sum(RETRY_DELAYS)  # backed off between attempts (load only adds to it)
    assert not products & local_view(ana).products()

    faulty.relay.heal()
    status, final, events = ana.stream_result("pull", str(config))

    assert status == 0, events[-3:]
    assert new_operations(ana, "pull", pulls) == ["failed", "succeeded"]
    assert_pull_complete(ana, products)


def test_dropped_connections_are_retried_then_reported(ana: Site, faulty: Faulty) -> None:
    products, reads = publish_three(faulty, "dropping")
    config = pull_project(ana, *reads)
    faulty.relay.inject("drop", count=ATTEMPTS - 1)

    status, _, events = ana.stream_result("pull", str(config))
    assert status == 0, events[-3:]
    assert_pull_complete(ana, products)

    faulty.relay.inject("drop")
    status, final, _ = ana.stream_result("pull", str(config))

    assert status == 1
    error = final["error"]
    assert error["message"].startswith("cannot reach remote origin at http://127.0.0.1:"), error
    assert "check that the registry is running" in error["hint"]
    assert faulty.relay.injected["drop"] == 2 * ATTEMPTS - 1
    assert_journal_settled(journal(ana))


def test_push_whose_answers_are_lost_then_push_again(ana: Site, faulty: Faulty) -> None:
    """The worst case for duplicates: the remote did the work, the answer never came back."""
    runs = 2
    project = ana.project(
        "model", {f"run{n}.yaml": write_config(f"gusts/out{n}") for n in range(runs)}
    )
    for n in range(runs):
        job = ana.run_model(project, f"run{n}.yaml", MODEL_WRITES=f"gusts/out{n}")
        assert job["exit_status"] == 0, job["output"]
        ana.ok("commit", job["id"])
    remote = faulty.remote
    pushes = len(journal(ana).operations("push"))
    faulty.relay.throttle(0.02)

    pushing = start_fdpctl(ana, "push")
    wait_for(lambda: remote.count("object") >= 2, what="the push under way")
    faulty.relay.lose_answers()
    pushing.communicate(timeout=120)

    assert pushing.returncode == 1
    assert faulty.relay.injected["lose"] >= 1
    assert ana.status_counts()["committed"], "nothing left to resume"

    faulty.relay.heal()
    faulty.relay.throttle(0)
    status, final, events = ana.stream_result("push")

    assert status == 0, events[-3:]
    assert [item["status"] for item in final["result"]["items"]] == ["pushed"] * (2 * runs)
    remote_view = RegistryView(remote.api)
    local = local_view(ana)
    assert remote_view.duplicates() == {}
    mine = {key for key in local.products() if key.startswith("ana:")}
    assert len(mine) == runs
    assert {key for key in remote_view.products() if key.startswith("ana:")} == mine
    assert remote_view.key_counts("code_run") == local.key_counts("code_run")
    assert set(local.key_counts("object")) <= set(remote_view.key_counts("object"))
    assert not ana.status_counts()["committed"]
    assert new_operations(ana, "push", pushes) == ["failed", "succeeded"]
