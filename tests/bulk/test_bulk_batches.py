"""The atomic bulk push works a record type at a time, not an item at a time (issue 27: the push
of 1,000 products ran about 6.5 SQL statements per record): the statements the registry runs
for N products grow by chunks, not per record, on SQLite and PostgreSQL, and the answer is what
an item-by-item run gives (the records asked, in order). The registry runs in process over
`httpx.ASGITransport`; the statements are counted on its engine."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from fdpregistry.users_admin import add_user as add_registry_user
from tests.bulk.test_bulk_atomic import count, send
from tests.bulk.test_bulk_protocol import Remote, shared_remote
from tests.postgres_database import database_for

ROOT = "https://example.org/files/"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Remote]:
    """A shared fdp registry in process, on SQLite or on a fresh PostgreSQL database."""
    with ExitStack() as stack:
        remote = stack.enter_context(
            shared_remote(tmp_path, database_for(request, stack, tmp_path))
        )
        yield remote
        engine: Engine = remote.app.state.engine
        engine.dispose()


def products(count: int, *, start: int = 0, namespace: str = "BATCH") -> list[dict[str, Any]]:
    """What fdp's copier sends for `count` new products, a type at a time: the namespace, the
    storage root, then per product its storage location, object, whole_object component and
    data product, linked by reference."""
    items: list[dict[str, Any]] = [
        _found_or_made("namespace", "ns", {"name": namespace}),
        _found_or_made("storage_root", "root", {"root": ROOT}),
    ]
    numbers = range(start, start + count)
    for n in numbers:
        sha = hashlib.sha1(f"{n}\n".encode()).hexdigest()
        key = {"storage_root": {"ref": "root"}, "hash": sha, "public": True}
        items.append(
            {
                "type": "storage_location",
                "ref": f"loc{n}",
                "body": {**key, "path": f"p/{n}.csv"},
                "find_first": True,
                "lookup": {"storage_root": {"ref": "root"}, "hash": sha, "public": True},
                "key": key,
            }
        )
    for n in numbers:
        object_uuid = str(uuid.UUID(int=n + 1))
        body: dict[str, Any] = {"uuid": object_uuid, "description": f"product {n}", "authors": []}
        body["storage_location"] = {"ref": f"loc{n}"}
        items.append(
            {
                "type": "object",
                "ref": f"obj{n}",
                "body": body,
                "must_create": True,
                "lookup": {"uuid": object_uuid},
                "key": {"uuid": object_uuid},
            }
        )
    for n in numbers:
        product_key = {"namespace": {"ref": "ns"}, "name": f"b/p{n:05}", "version": "1.0.0"}
        items.append(
            {
                "type": "data_product",
                "ref": f"dp{n}",
                "body": {**product_key, "object": {"ref": f"obj{n}"}},
                "must_create": True,
                "lookup": {"namespace": {"ref": "ns"}, "name": f"b/p{n:05}"},
                "key": product_key,
            }
        )
    for n in numbers:
        items.append(
            {
                "type": "object_component",
                "ref": f"whole{n}",
                "body": {},
                "find_only": True,
                "lookup": {"object": {"ref": f"obj{n}"}},
                "key": {"object": {"ref": f"obj{n}"}, "name": "whole_object"},
            }
        )
    return items


def _found_or_made(kind: str, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "ref": ref, "body": body, "find_first": True, "lookup": body, "key": body}


def statements_of(remote: Remote, token: str, items: list[dict[str, Any]]) -> tuple[int, Any]:
    """The SQL statements the registry ran for one atomic push of `items`, and its answer."""
    engine: Engine = remote.app.state.engine
    ran: list[str] = []

    def note(*args: Any) -> None:
        ran.append(args[2])

    event.listen(engine, "before_cursor_execute", note)
    try:
        answer = send(remote, token, items)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(ran), answer


@pytest.mark.parametrize("who", ["alice", "admin"])
def test_statements_grow_by_chunks_not_per_record(remote: Remote, tmp_path: Path, who: str) -> None:
    """Ten times the products costs at most twice the statements (item by item it was ten
    times: about 6.5 per record); an ordinary user's ownership checks included."""
    token = (
        add_registry_user(remote.database_url, "alice")
        if who == "alice"
        else (tmp_path / "admin-token").read_text().strip()
    )
    small, small_answer = statements_of(remote, token, products(20))
    big, big_answer = statements_of(remote, token, products(200, start=20))

    assert small_answer["committed"] is True and big_answer["committed"] is True
    records = 4 * 200 + 2
    assert big <= 2 * small, f"{small} statements for 20 products, {big} for 200"
    assert big < records, f"{big} statements for {records} records"


def test_the_answer_is_the_records_asked_in_order(remote: Remote) -> None:
    alice = add_registry_user(remote.database_url, "alice")
    items = products(30)

    answer = send(remote, alice, items)

    assert answer["committed"] is True
    results = answer["results"]
    statuses = [result["status"] for result in results]
    assert statuses == [201, 201] + [201] * 90 + [200] * 30
    records = [result["record"] for result in results]
    kinds = [record["url"].split("/api/")[1].split("/")[0] for record in records]
    assert kinds == [item["type"] for item in items]
    by_ref = {item["ref"]: record for item, record in zip(items, records, strict=True)}
    for n in range(30):
        location, obj = by_ref[f"loc{n}"], by_ref[f"obj{n}"]
        product, whole = by_ref[f"dp{n}"], by_ref[f"whole{n}"]
        assert location["path"] == f"p/{n}.csv"
        assert obj["uuid"] == str(uuid.UUID(int=n + 1))
        assert obj["storage_location"] == location["url"]
        assert obj["components"] == [whole["url"]] and whole["object"] == obj["url"]
        assert product["object"] == obj["url"] and product["name"] == f"b/p{n:05}"
    assert count(remote, alice, "data_product") == 30
    assert count(remote, alice, "object_component") == 30


def test_a_retry_finds_what_may_be_found_and_makes_nothing(remote: Remote) -> None:
    """The same products again: the storage locations are found, the objects must be new, so
    the request keeps nothing and names the first object (item by item, as before)."""
    alice = add_registry_user(remote.database_url, "alice")
    first = send(remote, alice, products(25))

    again = send(remote, alice, products(25))
    shared_ones = send(remote, alice, products(25)[:27])  # namespace, root, the locations

    assert first["committed"] is True
    assert again["committed"] is False and again["failed"]["index"] == 27
    assert again["failed"]["status"] == 409
    assert shared_ones["committed"] is True
    assert [r["status"] for r in shared_ones["results"]] == [200] * 27
    assert [r["record"]["url"] for r in shared_ones["results"]] == [
        r["record"]["url"] for r in first["results"][:27]
    ]
    assert count(remote, alice, "object") == 25


def test_two_items_of_one_key_in_a_run_answer_as_item_by_item(remote: Remote) -> None:
    """The second of two storage locations with one natural key finds the first's record."""
    alice = add_registry_user(remote.database_url, "alice")
    items = products(3)
    twin = {**items[2], "ref": "twin"}
    items.insert(3, twin)

    answer = send(remote, alice, items)

    assert answer["committed"] is True
    first, second = answer["results"][2], answer["results"][3]
    assert (first["status"], second["status"]) == (201, 200)
    assert first["record"]["url"] == second["record"]["url"]
    assert count(remote, alice, "storage_location") == 3


def test_a_value_taken_earlier_in_the_run_is_refused_as_item_by_item(remote: Remote) -> None:
    """Two objects of one uuid in one run: the second is refused (409), nothing is kept."""
    alice = add_registry_user(remote.database_url, "alice")
    items = products(3)
    objects = [i for i, item in enumerate(items) if item["type"] == "object"]
    clash = items[objects[1]]
    items[objects[1]] = {
        **clash,
        "body": {**clash["body"], "uuid": items[objects[0]]["body"]["uuid"]},
        "key": {"uuid": "elsewhere"},
        "lookup": {},
    }

    answer = send(remote, alice, items)

    assert answer["committed"] is False
    assert answer["failed"]["index"] == objects[1] and answer["failed"]["status"] == 409
    assert count(remote, alice, "object") == 0 and count(remote, alice, "namespace") == 0
