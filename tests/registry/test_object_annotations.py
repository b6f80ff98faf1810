"""Shared mode: what others see about an object is its owner's to say (issue 20, item 6).

Eve cannot mark alice's public object private, nor add licences, keywords, components, code
repository releases, quality marks, data products or external objects to alice's objects; she
may attach issues, which stay hers, and alice detaches them from her components. In process
over ASGI.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.registry.conftest import unique
from tests.registry.shared_team import Product, Team, path, record_id, shared_team


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    with shared_team(tmp_path_factory.mktemp("annotations")) as group:
        yield group


def _file_path(team: Team, product: Product) -> str:
    namespace = team.get(product.namespace)["name"]
    record = team.get(product.url)
    return f"/data_product/{namespace}:{record['name']}@{record['version']}?root"


def test_nobody_marks_another_users_object_private(team: Team) -> None:
    alices = team.product("alice")
    anonymous_file = _file_path(team, alices)
    headers = {"Authorization": ""}
    assert team.clients["eve"].get(anonymous_file, headers=headers).status_code == 200
    answer = team.clients["eve"].post(
        "/api/key_value/",
        json={"key": "accessibility", "value": "private", "object": alices.object},
    )
    assert answer.status_code == 403, answer.text
    assert "belongs to user 'alice'" in answer.json()["detail"]
    assert team.clients["eve"].get(anonymous_file, headers=headers).status_code == 200
    # alice may mark her own object private; the file then needs a token
    team.create("alice", "key_value", {"key": "accessibility", "value": "private",
                                       "object": alices.object})  # fmt: skip
    assert team.clients["eve"].get(anonymous_file, headers=headers).status_code == 403


BODIES = {
    "licence": {"licence_info": "all rights reserved to eve"},
    "keyword": {"keyphrase": "eve-was-here"},
    "object_component": {"name": "eves-part"},
    "code_repo_release": {"name": "eves-repo", "version": "1.0.0"},
    "key_value": {"key": "origin", "value": "eve"},
}


@pytest.mark.parametrize("type_name", sorted(BODIES))
def test_nobody_annotates_another_users_object(team: Team, type_name: str) -> None:
    alices = team.product("alice")
    body = {**BODIES[type_name], "object": alices.object}
    if type_name == "code_repo_release":
        body["name"] = unique("eves-repo")
    answer = team.clients["eve"].post(f"/api/{type_name}/", json=body)
    assert answer.status_code == 403, answer.text
    detail = answer.json()["detail"]
    assert f"Object {record_id(alices.object)} belongs to user 'alice'" in detail
    assert "user 'eve' may not" in detail
    assert team.create("alice", type_name, body)  # the owner may


def test_nobody_claims_another_users_object_as_their_product_or_passes_it_as_qc(
    team: Team,
) -> None:
    alices = team.product("alice")
    eve = team.clients["eve"]
    body = {"name": unique("copy"), "version": "1.0.0", "object": alices.object,
            "namespace": team.namespace("eve")}  # fmt: skip
    assert eve.post("/api/data_product/", json=body).status_code == 403
    eves = team.product("eve")
    repointed = eve.patch(path(eves.url), json={"object": alices.object})
    assert repointed.status_code == 403, repointed.text
    document = team.script("eve")
    qc = eve.post("/api/quality_controlled/", json={"object": alices.object, "document": document})
    assert qc.status_code == 403, qc.text
    # alice's own object may cite eve's document
    assert team.create("alice", "quality_controlled", {"object": alices.object,
                                                       "document": document})  # fmt: skip
    assert team.get(alices.object)["data_products"] == [alices.url]


def test_nobody_adds_an_external_object_to_another_users_product(team: Team) -> None:
    alices = team.product("alice")
    body = {"alternate_identifier": unique("doi"), "alternate_identifier_type": "eve",
            "release_date": "2026-01-01T00:00:00Z", "title": "not really",
            "data_product": alices.url}  # fmt: skip
    answer = team.clients["eve"].post("/api/external_object/", json=body)
    assert answer.status_code == 403, answer.text
    assert "belongs to 'alice'" in answer.json()["detail"]
    assert team.get(alices.url)["external_object"] is None


def test_anyones_issue_shows_as_theirs_and_the_owner_detaches_it(team: Team) -> None:
    alices, eves = team.product("alice"), team.product("eve")
    issue = team.create(
        "eve",
        "issue",
        {"severity": 5, "description": "eve's doubt",
         "component_issues": [alices.component, eves.component]},
    )  # fmt: skip
    assert issue["updated_by"].endswith(f"/api/users/{_user(team, 'eve')}/")
    alice = team.clients["alice"]
    # alice may neither rewrite eve's issue nor take eve's component off it
    rewrite = alice.patch(path(issue["url"]), json={"description": "fine"})
    assert rewrite.status_code == 403
    assert "may detach the issue from its components" in rewrite.json()["detail"]
    assert alice.patch(path(issue["url"]), json={"component_issues": []}).status_code == 403
    assert (
        alice.patch(path(issue["url"]), json={"component_issues": [alices.component]}).status_code
        == 403
    )
    detached = alice.patch(path(issue["url"]), json={"component_issues": [eves.component]})
    assert detached.status_code == 200, detached.text
    record = team.get(issue["url"])
    assert record["component_issues"] == [eves.component]
    assert record["description"] == "eve's doubt"
    assert record["updated_by"] == issue["updated_by"]  # still eve's issue
    assert team.get(alices.component)["issues"] == []


def _user(team: Team, name: str) -> int:
    answer = team.clients[name].get("/api/users/", params={"username": name})
    return record_id(answer.json()["results"][0]["url"])


def test_teammates_pushing_one_object_make_its_product_in_their_namespace(team: Team) -> None:
    """Two pushers of the same object at once: one creates the object, the other its product in
    a namespace both may write (as tests/registry/concurrent_pushers.py races them)."""
    namespace = team.namespace("alice")
    obj = team.script("alice")
    body = {"name": unique("shared"), "version": "1.0.0", "object": obj, "namespace": namespace}
    assert team.clients["eve"].post("/api/data_product/", json=body).status_code == 403
    team.grant(namespace, "eve")
    made = team.clients["eve"].post("/api/data_product/", json=body)
    assert made.status_code == 201, made.text
    # eve, a writer of the namespace of its product, may now describe the object
    assert team.create("eve", "keyword", {"keyphrase": unique("team"), "object": obj})
