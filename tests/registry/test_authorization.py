"""Shared mode: a namespace belongs to its creator (and users granted it); records to their owner.

fdp's registry app in shared mode (in process, tests/inprocess.py), on SQLite and PostgreSQL;
grants through `fdpd registry grant` (in process, tests/registry/command.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.inprocess import InProcessRegistry, registry_in_process
from tests.postgres_database import database_for
from tests.registry.command import Ran, fdpd
from tests.registry.conftest import unique


class Team:
    """A shared registry with users ana and bob (and admin), each with their own client."""

    def __init__(self, server: InProcessRegistry) -> None:
        self.server = server
        self.clients = {name: self._client(server.add_user(name)) for name in ("ana", "bob", "cy")}
        assert server.admin_token is not None
        self.clients["admin"] = self._client(server.admin_token)

    def _client(self, key: str) -> httpx.Client:
        return self.server.http(key)

    def create(self, who: str, type_name: str, body: dict[str, object]) -> str:
        answer = self.clients[who].post(f"/api/{type_name}/", json=body)
        assert answer.status_code == 201, (who, type_name, answer.text)
        url = answer.json()["url"]
        assert isinstance(url, str)
        return url

    def product(self, who: str, namespace: str) -> str:
        """A data product of `who` (object, storage location included) in `namespace`."""
        answer = _try_product(self, who, namespace)
        assert answer.status_code == 201, answer.text
        url = answer.json()["url"]
        assert isinstance(url, str)
        return url

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def team(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Team]:
    workdir: Path = tmp_path_factory.mktemp("shared")
    with ExitStack() as stack:
        database_url = database_for(request, stack, workdir)
        server = stack.enter_context(
            registry_in_process(workdir, database_url=database_url, shared=True)
        )
        group = Team(server)
        stack.callback(group.close)
        yield group


def path(url: str) -> str:
    return "/api/" + url.split("/api/", 1)[1]


def grant(team: Team, namespace: str, user: str) -> Ran:
    return fdpd("registry", "grant", namespace, user, "--database", team.server.database_url)


def test_a_new_version_in_someone_elses_namespace_is_refused_naming_it(team: Team) -> None:
    name = unique("ana")
    namespace = team.create("ana", "namespace", {"name": name})
    team.product("ana", namespace)
    answer = _try_product(team, "bob", namespace)
    assert answer.status_code == 403
    detail = answer.json()["detail"]
    assert f"Namespace '{name}' belongs to 'ana'" in detail and "'bob'" in detail
    assert "fdpd registry grant" in detail


def test_a_product_in_ones_own_namespace_works(team: Team) -> None:
    namespace = team.create("bob", "namespace", {"name": unique("bob")})
    product = team.product("bob", namespace)
    assert team.clients["bob"].get(path(product)).status_code == 200


def test_nobody_but_the_owner_repoints_a_product(team: Team) -> None:
    namespace = team.create("ana", "namespace", {"name": unique("ana")})
    product = team.product("ana", namespace)
    theirs = team.product("bob", team.create("bob", "namespace", {"name": unique("bob")}))
    bob_object = team.clients["bob"].get(path(theirs)).json()["object"]
    bob = team.clients["bob"]
    for method in ("PATCH", "PUT"):
        body = {"object": bob_object}
        if method == "PUT":
            body |= {"name": unique("p"), "version": "1.0.0", "namespace": namespace}
        answer = bob.request(method, path(product), json=body)
        assert answer.status_code == 403, (method, answer.text)
        assert "belongs to 'ana'" in answer.json()["detail"]
    assert team.clients["ana"].get(path(product)).json()["object"] != bob_object
    # moving one's own product into someone else's namespace is refused too
    assert bob.patch(path(theirs), json={"namespace": namespace}).status_code == 403


def test_other_records_change_only_by_their_owner_or_admin(team: Team) -> None:
    issue = team.create("ana", "issue", {"severity": 1, "description": "flaky gauge"})
    bob = team.clients["bob"]
    answer = bob.patch(path(issue), json={"description": "nothing to see"})
    assert answer.status_code == 403
    assert "belongs to user 'ana'" in answer.json()["detail"]
    assert bob.put(path(issue), json={"severity": 2, "description": "x"}).status_code == 403
    assert team.clients["ana"].patch(path(issue), json={"severity": 2}).status_code == 200
    assert team.clients["admin"].patch(path(issue), json={"severity": 3}).status_code == 200
    assert team.clients["ana"].get(path(issue)).json()["description"] == "flaky gauge"


def test_admin_may_write_every_namespace(team: Team) -> None:
    namespace = team.create("ana", "namespace", {"name": unique("ana")})
    product = team.product("admin", namespace)
    answer = team.clients["admin"].patch(path(product), json={"version": "1.0.1"})
    assert answer.status_code == 200, answer.text


def test_a_grant_lets_another_user_write_the_namespace(team: Team) -> None:
    name = unique("ana")
    namespace = team.create("ana", "namespace", {"name": name})
    assert _try_product(team, "cy", namespace).status_code == 403
    granted = grant(team, name, "cy")
    assert granted.returncode == 0, granted.stderr
    assert f"cy may now write namespace {name}" in granted.stdout
    assert _try_product(team, "cy", namespace).status_code == 201
    team.product("ana", namespace)  # the creator keeps it
    assert grant(team, name, "cy").stdout.strip() == f"cy could already write namespace {name}"


def test_granting_unknown_names_says_which_without_a_traceback(team: Team) -> None:
    missing = grant(team, unique("nowhere"), "cy")
    assert missing.returncode == 1  # the operation failed: not a usage error
    assert "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    name = unique("ana")
    team.create("ana", "namespace", {"name": name})
    nobody = grant(team, name, "nobody-such")
    assert nobody.returncode == 1 and "user 'nobody-such' does not exist" in nobody.stderr


def _try_product(team: Team, who: str, namespace: str) -> httpx.Response:
    root = team.create(who, "storage_root", {"root": f"https://{unique()}.example.org/"})
    location = team.create(
        who, "storage_location", {"path": unique(), "hash": unique(), "storage_root": root}
    )
    obj = team.create(who, "object", {"storage_location": location})
    body = {"name": unique("p"), "version": "1.0.0", "object": obj, "namespace": namespace}
    return team.clients[who].post("/api/data_product/", json=body)
