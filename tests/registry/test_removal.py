"""`POST /fdp/remove` (fdp's own route, outside /api/): one transaction, refusal while records
outside the set still refer to it, association rows, admin only, absent in shared mode. Against a
real server on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.inprocess import registry_in_process
from tests.registry.conftest import RegistryClient, path_of, unique
from tests.registry.graph import Graph, build_graph


def remove(registry: RegistryClient, *links: object) -> httpx.Response:
    return registry.admin.post("/fdp/remove", json={"records": list(links)})


def exists(registry: RegistryClient, link: object) -> bool:
    status = registry.admin.get(path_of(link)).status_code
    assert status in (200, 404)
    return status == 200


def code_run(registry: RegistryClient, script: dict[str, Any], **links: list[str]) -> Any:
    body = {"run_date": "2024-05-01T10:00:00Z", "description": unique("run "), **links}
    return registry.create("code_run", {**body, "submission_script": script["url"]})


def product_records(g: Graph) -> list[str]:
    """The data product, its object and component, its file's location: what gc would send."""
    return [g.data_product["url"], g.object["url"], g.component["url"], g.location["url"]]


def test_removes_a_product_with_its_object_component_and_location(
    registry: RegistryClient,
) -> None:
    g = build_graph(registry)

    answer = remove(registry, *product_records(g))

    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()["removed"]) == sorted(map(path_of, product_records(g)))
    assert answer.json()["missing"] == []
    assert not any(exists(registry, link) for link in product_records(g))
    # What they used, and was not sent, stays.
    for record in (g.root, g.namespace, g.author, g.file_type):
        assert exists(registry, record["url"])
    # The object's authors association went with it: the author can go now too.
    assert remove(registry, g.author["url"]).status_code == 200


def test_refuses_while_a_record_outside_refers_to_one_inside_and_changes_nothing(
    registry: RegistryClient,
) -> None:
    g = build_graph(registry)
    script: Any = registry.create("object", {"description": "script"})
    reader = code_run(registry, script, inputs=[g.component["url"]])

    answer = remove(registry, *product_records(g))

    assert answer.status_code == 409, answer.text
    referenced = {r["record"]: r["referenced_by"] for r in answer.json()["referenced"]}
    assert referenced == {path_of(g.component["url"]): [path_of(reader["url"])]}
    assert all(exists(registry, link) for link in product_records(g))

    # With the reader in the set, everything goes; its input association row with it.
    script_parts = [script["url"], *script["components"]]
    both = remove(registry, reader["url"], *script_parts, *product_records(g))
    assert both.status_code == 200, both.text
    assert not exists(registry, reader["url"]) and not exists(registry, script["url"])


def test_link_fields_and_owned_sets_both_count_as_references(registry: RegistryClient) -> None:
    g = build_graph(registry)
    # storage_location ← object (link field); author ← object.authors (a set the object owns)
    for link in (g.location["url"], g.author["url"]):
        answer = remove(registry, link)
        assert answer.status_code == 409, answer.text
        [entry] = answer.json()["referenced"]
        assert entry == {"record": path_of(link), "referenced_by": [path_of(g.object["url"])]}
    # issue ↔ component: each side owns its set of the other
    issue = registry.create(
        "issue", {"description": "bad", "component_issues": [g.component["url"]]}
    )
    assert remove(registry, issue["url"]).status_code == 409
    assert remove(registry, *product_records(g)).status_code == 409
    assert remove(registry, issue["url"], *product_records(g)).status_code == 200


def test_a_code_run_goes_with_its_output_associations_only(registry: RegistryClient) -> None:
    g = build_graph(registry)
    script = registry.create("object", {"description": "script"})
    writer = code_run(registry, script, outputs=[g.component["url"]])

    answer = remove(registry, writer["url"])

    assert answer.status_code == 200, answer.text
    component = registry.admin.get(path_of(g.component["url"])).json()
    assert component["outputs_of"] == []
    assert exists(registry, script["url"])


def test_missing_records_are_reported_not_refused(registry: RegistryClient) -> None:
    g = build_graph(registry)
    assert remove(registry, g.data_product["url"]).status_code == 200

    again = remove(registry, g.data_product["url"], g.namespace["url"])

    assert again.status_code == 200, again.text
    assert again.json() == {
        "removed": [path_of(g.namespace["url"])],
        "missing": [path_of(g.data_product["url"])],
    }


def test_bad_requests_say_what_was_wrong(registry: RegistryClient) -> None:
    cases: list[Any] = [
        {},
        {"records": "/api/object/1/"},
        {"records": ["/api/users/1/"]},
        {"records": ["/api/object/x/"]},
        {"records": [7]},
    ]
    for body in cases:
        answer = registry.admin.post("/fdp/remove", json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert "records" in answer.json()


def test_only_the_admin_may_remove(registry: RegistryClient, tmp_path: Path) -> None:
    g = build_graph(registry)
    key = registry.served.add_user(unique("u"))
    links = {"records": [g.data_product["url"]]}
    other = registry.anonymous.post(
        "/fdp/remove", json=links, headers={"Authorization": f"token {key}"}
    )
    anonymous = registry.anonymous.post("/fdp/remove", json=links)

    assert other.status_code == 403 and anonymous.status_code == 403
    assert exists(registry, g.data_product["url"])


def test_a_shared_registry_has_no_removal_route(tmp_path: Path) -> None:
    with registry_in_process(tmp_path, shared=True) as server, server.http(server.token) as admin:
        answer = admin.post("/fdp/remove", json={"records": ["/api/namespace/1/"]})
    assert answer.status_code == 404
