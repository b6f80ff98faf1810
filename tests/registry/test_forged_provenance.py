"""Shared mode: nobody forges another user's provenance (issue 20, item 5).

A user_author row is made only by its own user (or admin), and only to an author no other user
is linked to; a code run's outputs are only components of objects its maker owns (its inputs may
be anyone's). In process over ASGI; the whole scenario once more in a row on a fresh shared
registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.registry.conftest import unique
from tests.registry.shared_team import Team, path, record_id, shared_team


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    with shared_team(tmp_path_factory.mktemp("forged")) as group:
        yield group


def _user_id(team: Team, name: str) -> str:
    answer = team.clients[name].get("/api/users/", params={"username": name})
    return str(answer.json()["results"][0]["url"])


def test_nobody_links_another_users_user_to_an_author(team: Team) -> None:
    eves_author = team.create("eve", "author", {"name": "Eve E"})
    alice = _user_id(team, "alice")
    answer = team.clients["eve"].post(
        "/api/user_author/", json={"user": alice, "author": eves_author["url"]}
    )
    assert answer.status_code == 403, answer.text
    assert "'eve' may link only their own user" in answer.json()["detail"]
    listed = team.clients["alice"].get("/api/user_author/", params={"user": record_id(alice)})
    assert listed.json()["count"] == 0
    # alice herself may
    own = team.create("alice", "author", {"name": unique("Alice A ")})
    assert team.create("alice", "user_author", {"user": alice, "author": own["url"]})


def test_nobody_takes_an_author_another_user_is_linked_to(team: Team) -> None:
    author = team.create("admin", "author", {"name": unique("Ana Other ")})
    admin = _user_id(team, "admin")
    team.create("admin", "user_author", {"user": admin, "author": author["url"]})
    eve = _user_id(team, "eve")
    answer = team.clients["eve"].post(
        "/api/user_author/", json={"user": eve, "author": author["url"]}
    )
    assert answer.status_code == 403, answer.text
    assert "already linked to user 'admin'" in answer.json()["detail"]


def test_a_run_cannot_claim_another_users_outputs(team: Team) -> None:
    alices = team.product("alice")
    answer = team.code_run("eve", outputs=[alices.component])
    assert answer.status_code == 403, answer.text
    detail = answer.json()["detail"]
    assert "belongs to user 'alice'" in detail and "'eve'" in detail
    assert team.get(alices.component)["outputs_of"] == []
    # a run of eve's of her own outputs, using alice's product as an input, is fine
    eves = team.product("eve")
    run = team.code_run("eve", inputs=[alices.component], outputs=[eves.component])
    assert run.status_code == 201, run.text
    # and eve cannot add alice's component to her run afterwards either
    patched = team.clients["eve"].patch(
        path(run.json()["url"]), json={"outputs": [eves.component, alices.component]}
    )
    assert patched.status_code == 403, patched.text
    assert team.get(alices.component)["outputs_of"] == []


def test_namespace_writers_may_record_runs_of_its_products(team: Team) -> None:
    """A grant shares a namespace: its products' objects, whoever pushed them, are the team's."""
    namespace = team.namespace("alice")
    alices = team.product("alice", namespace)
    assert team.code_run("eve", outputs=[alices.component]).status_code == 403
    team.grant(namespace, "eve")
    assert team.code_run("eve", outputs=[alices.component]).status_code == 201
    assert team.code_run("admin", outputs=[alices.component]).status_code == 201


def test_the_forgery_on_a_fresh_shared_registry(tmp_path: Path) -> None:
    """Eve tries every forgery of item 5 in a row on a new `--shared` registry; alice's
    product's PROV still says alice's run made it, started by alice's author."""
    with shared_team(tmp_path / "registry") as team:
        _forge(team)


def _forge(team: Team) -> None:
    alice, eve = _user_id(team, "alice"), _user_id(team, "eve")
    alices_author = team.create("alice", "author", {"name": "Alice A"})
    eves_author = team.create("eve", "author", {"name": "Eve E"})
    product = team.product("alice")
    run = team.code_run("alice", outputs=[product.component])
    assert run.status_code == 201, run.text
    # eve points alice's user at her author, herself at alice's, and claims alice's output
    forged_link = team.clients["eve"].post(
        "/api/user_author/", json={"user": alice, "author": eves_author["url"]}
    )
    assert forged_link.status_code == 403, forged_link.text
    team.create("alice", "user_author", {"user": alice, "author": alices_author["url"]})
    taken = team.clients["eve"].post(
        "/api/user_author/", json={"user": eve, "author": alices_author["url"]}
    )
    assert taken.status_code == 403, taken.text
    forged_run = team.code_run("eve", outputs=[product.component])
    assert forged_run.status_code == 403, forged_run.text

    prov = (
        team.clients["eve"]
        .get(f"/api/prov-report/{record_id(product.url)}/", headers={"Accept": "application/json"})
        .json()
    )
    run_id = f"lreg:api/code_run/{record_id(run.json()['url'])}"
    generated = {g["prov:activity"] for g in prov["wasGeneratedBy"].values()}
    assert generated == {run_id}
    (start,) = prov["wasStartedBy"].values()
    assert start["prov:trigger"] == f"lreg:api/author/{record_id(alices_author['url'])}"
