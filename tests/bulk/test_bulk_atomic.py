"""fdp's bulk push in one transaction (`"atomic": true`, docs/registry-api.md): later items
name earlier ones by reference, the registry keeps all of them or none (a 409, a record that must
be new found already, or an ownership refusal in the middle undoes the items before it), a retry
creates nothing twice, and a push copies a whole closure of new records in one request. The
registry runs in process over `httpx.ASGITransport`."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from fdpregistry.users_admin import add_user as add_registry_user
from tests.bulk.test_bulk_protocol import Remote, run_push, shared_remote, source  # noqa: F401
from tests.housekeeping.inprocess import InProcessRegistry

OBJECT_UUID = str(uuid.UUID(int=7))


def closure_items(
    namespace: str, *, object_uuid: str = OBJECT_UUID, product: str = "p"
) -> list[dict[str, Any]]:
    """A namespace, an object, its whole-object component and a data product, linked by ref."""
    product_key = {"namespace": {"ref": "ns"}, "name": product, "version": "1.0.0"}
    return [
        {
            "type": "namespace",
            "ref": "ns",
            "body": {"name": namespace},
            "find_first": True,
            "lookup": {"name": namespace},
            "key": {"name": namespace},
        },
        {
            "type": "object",
            "ref": "obj",
            "body": {"description": "made at once", "uuid": object_uuid},
            "find_first": True,
            "must_create": True,
            "lookup": {"uuid": object_uuid},
            "key": {"uuid": object_uuid},
        },
        {
            "type": "object_component",
            "ref": "whole",
            "body": {},
            "find_only": True,
            "lookup": {"object": {"ref": "obj"}},
            "key": {"object": {"ref": "obj"}, "name": "whole_object"},
        },
        {
            "type": "data_product",
            "ref": "dp",
            "body": {**product_key, "object": {"ref": "obj"}},
            "find_first": True,
            "must_create": True,
            "lookup": {"namespace": {"ref": "ns"}, "name": product},
            "key": product_key,
        },
    ]


def send(remote: Remote, token: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with remote.client(token) as client:
            answer = await client._http.post(
                f"{client.root_url}fdp/bulk/push",
                json={"items": items, "atomic": True},
                headers={"Authorization": f"token {token}"},
            )
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

    return asyncio.run(go())


def count(remote: Remote, token: str, kind: str) -> int:
    async def go() -> int:
        async with remote.client(token, bulk=False) as client:
            return len(await client.list_records(kind))

    return asyncio.run(go())


def test_later_items_link_to_earlier_ones_by_reference(tmp_path: Path) -> None:
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")

        answer = send(remote, alice, closure_items("REFS"))

    assert answer["committed"] is True
    namespace, obj, whole, product = (result["record"] for result in answer["results"])
    assert [r["status"] for r in answer["results"]] == [201, 201, 200, 201]
    assert product["namespace"] == namespace["url"] and product["object"] == obj["url"]
    assert whole["object"] == obj["url"] and obj["components"] == [whole["url"]]


def test_a_409_in_the_middle_keeps_nothing_of_the_request(tmp_path: Path) -> None:
    """The object's uuid is taken: its create is refused (409) after the namespace was made in
    the same transaction; the namespace is not kept either, and nothing after it is tried."""
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")
        taken = send(remote, alice, closure_items("FIRST"))
        assert taken["committed"] is True
        items = closure_items("SECOND")
        items[1] = {**items[1], "find_first": False}  # created first: the uuid is refused
        before = {kind: count(remote, alice, kind) for kind in ("namespace", "object")}

        answer = send(remote, alice, items)

        after = {kind: count(remote, alice, kind) for kind in ("namespace", "object")}
    assert answer["committed"] is False and "results" not in answer
    assert answer["failed"]["index"] == 1 and answer["failed"]["status"] == 409
    assert after == before


def test_a_retry_creates_nothing_twice(tmp_path: Path) -> None:
    """The same request again (its answer lost): an item that must be new is found, so the
    registry keeps nothing of the retry; items that may be found answer the same records."""
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")
        first = send(remote, alice, closure_items("RETRY"))
        counts = {k: count(remote, alice, k) for k in ("namespace", "object", "data_product")}

        again = send(remote, alice, closure_items("RETRY"))
        shared_only = send(remote, alice, closure_items("RETRY")[:1])

        assert {k: count(remote, alice, k) for k in counts} == counts
    assert first["committed"] is True
    assert again["committed"] is False and again["failed"]["index"] == 1
    assert shared_only["committed"] is True
    assert shared_only["results"][0]["status"] == 200
    assert shared_only["results"][0]["record"]["url"] == first["results"][0]["record"]["url"]


def test_an_ownership_refusal_keeps_nothing_of_the_request(tmp_path: Path) -> None:
    """Bob may not add a data product to alice's namespace: the request fails with the single
    create's 403, and bob's own namespace and object made before it in the request are gone."""
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")
        bob = add_registry_user(remote.database_url, "bob")
        assert send(remote, alice, closure_items("ALICE"))["committed"] is True
        items = closure_items("BOB", object_uuid=str(uuid.UUID(int=8)), product="q")
        alices = items[0]
        items[0] = {**alices, "ref": "bobs", "body": {"name": "BOB"}}
        items.insert(
            1,
            {
                **alices,
                "body": {"name": "ALICE"},
                "lookup": {"name": "ALICE"},
                "key": {"name": "ALICE"},
            },
        )

        answer = send(remote, bob, items)

        namespaces = count(remote, alice, "namespace")
        objects = count(remote, alice, "object")
    assert answer["committed"] is False
    assert answer["failed"]["index"] == 4 and answer["failed"]["status"] == 403
    assert namespaces == 1 and objects == 1  # alice's only


def test_a_first_push_copies_its_records_in_one_request(
    source: tuple[InProcessRegistry, str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    local, run, _ = source
    with shared_remote(tmp_path / "a") as remote:
        alice = add_registry_user(remote.database_url, "alice")

        created, paths = run_push(local, remote, alice, run, bulk=True)
        again, paths_again = run_push(local, remote, alice, run, bulk=True)  # a lost ledger

    assert created > 20 and again == 0
    assert paths[("POST", "/fdp/bulk/push")] == 1
    # the retry's request at once is refused (the run exists): level by level, nothing made
    assert paths_again[("POST", "/fdp/bulk/push")] > 1
