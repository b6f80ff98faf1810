"""`POST /fdp/users`: the admin of a local registry adds a registry user and gets a new key of it
(fdpd does so for each fdp user `fdpctl config` makes, through the registry, not into its
database); nobody else may, and a shared registry has no such route."""

from __future__ import annotations

from pathlib import Path

from tests.inprocess import registry_in_process
from tests.registry.conftest import RegistryClient, unique


def test_the_admin_adds_a_user_and_gets_a_key_of_it(registry: RegistryClient) -> None:
    name = unique("ana")
    first = registry.admin.post("/fdp/users", json={"username": name})
    assert first.status_code == 201, first.text
    assert first.json()["username"] == name
    again = registry.admin.post("/fdp/users", json={"username": name})  # another key, same user
    keys = [first.json()["token"], again.json()["token"]]
    assert keys[0] != keys[1]
    for key in keys:
        with registry.served.http(key) as as_user:
            assert as_user.get("/api/username/").json() == {"username": name}
    listed = registry.admin.get(f"/api/users/?username={name}").json()
    assert listed["count"] == 1


def test_only_the_admin_adds_users(registry: RegistryClient) -> None:
    anonymous = registry.anonymous.post("/fdp/users", json={"username": unique("eve")})
    assert anonymous.status_code == 403
    other = registry.admin.post("/fdp/users", json={"username": unique("bob")}).json()["token"]
    with registry.served.http(other) as as_other:
        refused = as_other.post("/fdp/users", json={"username": unique("eve")})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the admin user may add users."}


def test_a_bad_or_lookalike_name_is_refused(registry: RegistryClient) -> None:
    missing = registry.admin.post("/fdp/users", json={"name": "ana"})
    assert (missing.status_code, missing.json()) == (
        400,
        {"username": ["This field is required."]},
    )
    spaced = registry.admin.post("/fdp/users", json={"username": "a b"})
    assert spaced.status_code == 400
    assert "'a b' is not a valid user name" in spaced.json()["username"][0]
    name = unique("alice")
    assert registry.admin.post("/fdp/users", json={"username": name}).status_code == 201
    lookalike = registry.admin.post("/fdp/users", json={"username": "\u0430" + name[1:]})
    assert lookalike.status_code == 400, lookalike.text


def test_a_shared_registry_has_no_such_route(tmp_path: Path) -> None:
    with (
        registry_in_process(tmp_path, shared=True) as served,
        served.http(served.token) as admin,
    ):
        answer = admin.post("/fdp/users", json={"username": "ana"})
    assert answer.status_code == 404
