"""Record shapes, writes, side effects and error bodies of the model routes (docs/registry-api.md
Conventions, Writes, Record types), against a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from tests.registry.conftest import RegistryClient, id_of, path_of, unique
from tests.registry.graph import build_graph

KEYS = {
    "storage_root": ["url", "last_updated", "root", "local", "updated_by", "locations"],
    "storage_location": ["url", "last_updated", "path", "hash", "public", "updated_by",
                         "storage_root"],
    "file_type": ["url", "last_updated", "name", "extension", "updated_by"],
    "namespace": ["url", "last_updated", "name", "full_name", "website", "updated_by"],
    "author": ["url", "uuid", "last_updated", "name", "identifier", "updated_by"],
    "object": ["url", "uuid", "last_updated", "description", "updated_by", "storage_location",
               "file_type", "authors", "components", "data_products", "code_repo_release",
               "quality_control", "licences", "keywords"],
    "object_component": ["url", "last_updated", "name", "description", "whole_object",
                         "updated_by", "object", "issues", "inputs_of", "outputs_of"],
    "data_product": ["url", "internal_format", "prov_report", "ro_crate", "last_updated", "name",
                     "version", "updated_by", "object", "namespace", "external_object"],
    "external_object": ["url", "last_updated", "identifier", "alternate_identifier",
                        "alternate_identifier_type", "primary_not_supplement", "release_date",
                        "title", "description", "version", "updated_by", "data_product",
                        "original_store"],
    "code_run": ["url", "ro_crate", "uuid", "last_updated", "run_date", "description",
                 "updated_by", "code_repo", "model_config", "submission_script", "inputs",
                 "outputs"],
    "issue": ["url", "uuid", "last_updated", "severity", "description", "updated_by",
              "component_issues"],
    "user_author": ["url", "last_updated", "updated_by", "user", "author"],
    "keyword": ["url", "last_updated", "keyphrase", "identifier", "updated_by", "object"],
    "licence": ["url", "last_updated", "licence_info", "identifier", "updated_by", "object"],
    "key_value": ["url", "last_updated", "key", "value", "updated_by", "object"],
    "code_repo_release": ["url", "last_updated", "name", "version", "website", "updated_by",
                          "object"],
    "quality_controlled": ["url", "last_updated", "updated_by", "object", "document"],
}  # fmt: skip


def _one_of_each(registry: RegistryClient) -> dict[str, dict[str, object]]:
    g = build_graph(registry)
    other = registry.create("object", {"description": "doc"})
    records: dict[str, dict[str, object]] = {
        "storage_root": g.root, "storage_location": g.location, "file_type": g.file_type,
        "namespace": g.namespace, "author": g.author, "object": g.object,
        "object_component": g.component, "data_product": g.data_product,
    }  # fmt: skip
    records["external_object"] = registry.create(
        "external_object",
        {"data_product": g.data_product["url"], "alternate_identifier": unique(),
         "alternate_identifier_type": "local", "release_date": "2024-01-02", "title": "t"},
    )  # fmt: skip
    records["code_run"] = registry.create(
        "code_run",
        {"run_date": "2024-01-01 12:00:00", "description": "run",
         "submission_script": g.object["url"], "inputs": [g.component["url"]]},
    )  # fmt: skip
    records["issue"] = registry.create(
        "issue", {"severity": 2, "description": "bad", "component_issues": [g.component["url"]]}
    )
    records["keyword"] = registry.create(
        "keyword", {"object": g.object["url"], "keyphrase": unique("kw")}
    )
    records["licence"] = registry.create(
        "licence", {"object": g.object["url"], "licence_info": "CC-BY"}
    )
    records["key_value"] = registry.create(
        "key_value", {"object": g.object["url"], "key": "k", "value": "v"}
    )
    records["code_repo_release"] = registry.create(
        "code_repo_release",
        {"object": other["url"], "name": unique("repo"), "version": "0.1.0",
         "website": "https://example.org/repo"},
    )  # fmt: skip
    records["quality_controlled"] = registry.create(
        "quality_controlled", {"object": g.object["url"], "document": other["url"]}
    )
    user_id = registry.admin.get("/api/users/?username=admin").json()["results"][0]["url"]
    existing = registry.anonymous.get(f"/api/user_author/?user={id_of(user_id)}").json()
    if existing["count"] == 0:
        records["user_author"] = registry.create(
            "user_author", {"user": user_id, "author": g.author["url"]}
        )
    else:
        records["user_author"] = existing["results"][0]
    return records


def test_every_type_has_exact_keys_identical_in_create_list_and_detail(
    registry: RegistryClient,
) -> None:
    records = _one_of_each(registry)
    assert set(records) == set(KEYS)
    for type_name, created in records.items():
        assert list(created) == KEYS[type_name], type_name
        detail = registry.anonymous.get(path_of(created["url"]))
        assert detail.status_code == 200
        listed = registry.anonymous.get(f"/api/{type_name}/").json()["results"]
        fresh = registry.anonymous.get(path_of(created["url"])).json()
        assert fresh in listed, type_name
        assert list(detail.json()) == KEYS[type_name]


def test_object_post_creates_whole_object_component_atomically(registry: RegistryClient) -> None:
    obj = registry.create("object", {"description": "x", "input_urls": [], "output_urls": []})
    assert len(obj["components"]) == 1
    found = registry.anonymous.get(f"/api/object_component/?object={id_of(obj['url'])}"
                                   "&whole_object=True").json()  # fmt: skip
    assert found["count"] == 1
    component = found["results"][0]
    assert component["name"] == "whole_object" and component["description"] is None
    again = registry.admin.post(
        "/api/object_component/", json={"object": obj["url"], "name": "whole_object"}
    )
    assert again.status_code == 409
    assert again.json() == {"detail": "Field non_field_errors must be unique"}


def test_author_uuid_is_derived_from_identifier(registry: RegistryClient) -> None:
    identifier = f"https://orcid.org/0000-0002-{unique()}"
    supplied = str(uuid.uuid4())
    author = registry.create("author", {"identifier": identifier, "uuid": supplied})
    expected = uuid.UUID(hex=hashlib.sha256(identifier.encode()).hexdigest()[::2])
    assert author["uuid"] == str(expected) != supplied
    duplicate = registry.admin.post("/api/author/", json={"identifier": identifier})
    assert duplicate.status_code == 409
    assert duplicate.json() == {"detail": "Field identifier must be unique"}


def test_author_example_from_spec_and_check_constraint(registry: RegistryClient) -> None:
    response = registry.admin.post("/api/author/", json={})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "CHECK constraint failed: data_management_author_identifier_and_or_name"
    }
    name_only = registry.create("author", {"name": "Someone", "uuid": str(uuid.uuid4())})
    clash = registry.admin.post("/api/author/", json={"name": "Other", "uuid": name_only["uuid"]})
    assert clash.status_code == 409
    assert clash.json() == {"detail": "UNIQUE constraint failed: data_management_author.uuid"}


def test_external_object_version_copied_at_creation_only(registry: RegistryClient) -> None:
    g = build_graph(registry)
    eo = registry.create(
        "external_object",
        {"data_product": g.data_product["url"], "identifier": f"https://doi.org/10.1/{unique()}",
         "release_date": "2024-01-02T03:04:05+01:00", "title": "t", "version": "9.9.9"},
    )  # fmt: skip
    assert eo["version"] == "1.0.0"
    assert eo["release_date"] == "2024-01-02T02:04:05Z"
    patched = registry.admin.patch(path_of(g.data_product["url"]), json={"version": "2.0.0"})
    assert patched.status_code == 200 and patched.json()["version"] == "2.0.0"
    assert registry.anonymous.get(path_of(eo["url"])).json()["version"] == "1.0.0"
    assert patched.json()["external_object"] == eo["url"]
    no_id = registry.admin.post(
        "/api/external_object/",
        json={"data_product": g.data_product["url"], "release_date": "2024-01-02", "title": "t"},
    )
    assert no_id.status_code == 409  # one-to-one data_product is checked first
    assert no_id.json() == {"detail": "Field data_product must be unique"}


def test_uniqueness_409_and_400_rules(registry: RegistryClient) -> None:
    g = build_graph(registry)
    root = registry.admin.post("/api/storage_root/", json={"root": g.root["root"]})
    assert (root.status_code, root.json()) == (409, {"detail": "Field root must be unique"})
    loc = registry.admin.post(
        "/api/storage_location/",
        json={"path": "other/path", "hash": g.location["hash"], "public": "true",
              "storage_root": g.root["url"]},
    )  # fmt: skip
    assert (loc.status_code, loc.json()) == (
        409,
        {"detail": "Field non_field_errors must be unique"},
    )
    ns = registry.admin.post("/api/namespace/", json={"name": g.namespace["name"]})
    assert (ns.status_code, ns.json()) == (409, {"detail": "Field name must be unique"})
    body = {"name": g.data_product["name"], "version": "1.0.0", "object": g.object["url"],
            "namespace": g.namespace["url"]}  # fmt: skip
    dp = registry.admin.post("/api/data_product/", json=body)
    assert (dp.status_code, dp.json()) == (409, {"detail": "Field non_field_errors must be unique"})
    # 409 look-up by every posted field, anonymously, as pyDataPipeline does
    query = f"name={body['name']}&version=1.0.0&object={id_of(g.object['url'])}" \
            f"&namespace={id_of(g.namespace['url'])}"  # fmt: skip
    assert registry.anonymous.get(f"/api/data_product/?{query}").json()["count"] == 1
    other = registry.create("data_product", {**body, "version": "1.0.1"})
    put = registry.admin.patch(path_of(other["url"]), json={"version": "1.0.0"})
    assert put.status_code == 400
    assert put.json() == {
        "non_field_errors": ["The fields namespace, name, version must make a unique set."]
    }


def test_field_validation_messages(registry: RegistryClient) -> None:
    g = build_graph(registry)
    cases = [
        ("namespace", {"name": "bad*name"},
         {"name": ["Name bad*name contains invalid characters ([]?*)."]}),
        ("data_product", {"name": "x", "version": "1.0", "object": g.object["url"],
                          "namespace": g.namespace["url"]},
         {"version": ["Version 1.0 is not a valid semantic version."]}),
        ("namespace", {"name": unique(), "website": "not a url"},
         {"website": ["Enter a valid URL."]}),
        ("storage_root", {}, {"root": ["This field is required."]}),
        ("storage_root", {"root": ""}, {"root": ["This field may not be blank."]}),
        ("storage_root", {"root": None}, {"root": ["This field may not be null."]}),
        ("storage_root", {"root": unique(), "local": "maybe"},
         {"local": ["Must be a valid boolean."]}),
        ("storage_root", {"root": "x" * 1025}, {"root":
         ["Ensure this field has no more than 1024 characters."]}),
        ("issue", {"description": "d", "severity": "high"},
         {"severity": ["A valid integer is required."]}),
        ("object", {"uuid": "nope"}, {"uuid": ["Must be a valid UUID."]}),
        ("code_run", {"run_date": "yesterday", "description": "d",
                      "submission_script": g.object["url"]},
         {"run_date": ["Datetime has wrong format. Use one of these formats instead: "
                       "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}),
        ("storage_location", {"path": "p", "hash": "h", "storage_root": 5},
         {"storage_root": ["Incorrect type. Expected URL string, received int."]}),
        ("storage_location", {"path": "p", "hash": "h", "storage_root": "/api/storage_root/1"},
         {"storage_root": ["Invalid hyperlink - No URL match."]}),
        ("storage_location", {"path": "p", "hash": "h", "storage_root": g.object["url"]},
         {"storage_root": ["Invalid hyperlink - Incorrect URL match."]}),
        ("storage_location", {"path": "p", "hash": "h",
                              "storage_root": "http://elsewhere:1/api/storage_root/999999/"},
         {"storage_root": ["Invalid hyperlink - Object does not exist."]}),
        ("object", {"authors": g.author["url"]},
         {"authors": ['Expected a list of items but got type "str".']}),
    ]  # fmt: skip
    for type_name, body, errors in cases:
        response = registry.admin.post(f"/api/{type_name}/", json=body)
        assert (response.status_code, response.json()) == (400, errors), (type_name, body)


def test_database_only_conflicts(registry: RegistryClient) -> None:
    negative = registry.admin.post("/api/issue/", json={"description": "d", "severity": -1})
    assert negative.status_code == 409
    assert negative.json() == {"detail": "CHECK constraint failed: severity"}
    run_uuid = str(uuid.uuid4())
    obj = registry.create("object", {"uuid": run_uuid})
    assert obj["uuid"] == run_uuid
    again = registry.admin.post("/api/object/", json={"uuid": run_uuid})
    assert again.json() == {"detail": "UNIQUE constraint failed: data_management_object.uuid"}
    assert again.status_code == 409


def test_json_body_errors(registry: RegistryClient) -> None:
    bad = registry.admin.post(
        "/api/namespace/", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 400 and bad.json()["detail"].startswith("JSON parse error - ")
    as_list = registry.admin.post("/api/namespace/", json=[1])
    assert as_list.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    huge = registry.admin.post(
        "/api/namespace/", content=b" " * (16 * 1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert huge.status_code == 413


def test_code_run_put_patch_delete(registry: RegistryClient) -> None:
    g = build_graph(registry)
    run = registry.create(
        "code_run",
        {"run_date": "2024-01-01 12:00:00.123456", "description": "r",
         "submission_script": g.object["url"], "input_urls": [], "output_urls": []},
    )  # fmt: skip
    assert run["run_date"] == "2024-01-01T12:00:00.123456Z" and run["inputs"] == []
    patch = registry.admin.patch(
        path_of(run["url"]), json={"inputs": [g.component["url"]], "outputs": [g.component["url"]]}
    )
    assert patch.status_code == 200 and patch.json()["uuid"] == run["uuid"]
    assert patch.json()["inputs"] == [g.component["url"]]
    component = registry.anonymous.get(path_of(g.component["url"])).json()
    assert component["inputs_of"] == [run["url"]] and component["outputs_of"] == [run["url"]]
    put = registry.admin.put(
        path_of(run["url"]),
        json={"run_date": "2024-02-01T00:00:00Z", "description": "again",
              "submission_script": g.object["url"]},
    )  # fmt: skip
    assert put.status_code == 200
    assert put.json()["uuid"] != run["uuid"]  # regenerated when omitted from a PUT
    assert put.json()["inputs"] == [g.component["url"]]  # omitted sets stay
    missing = registry.admin.put(path_of(run["url"]), json={"description": "x"})
    assert missing.status_code == 400
    assert set(missing.json()) == {"run_date", "submission_script"}
    assert registry.admin.delete(path_of(run["url"])).status_code == 204
    gone = registry.anonymous.get(path_of(run["url"]))
    assert gone.status_code == 404
    assert gone.json() == {"detail": "No CodeRun matches the given query."}


def test_issue_component_issues_required_on_put(registry: RegistryClient) -> None:
    g = build_graph(registry)
    issue = registry.create("issue", {"description": "d"})
    assert issue["component_issues"] == [] and issue["severity"] == 1
    put = registry.admin.put(path_of(issue["url"]), json={"description": "e"})
    assert put.json() == {"component_issues": ["This field is required."]}
    put = registry.admin.put(
        path_of(issue["url"]), json={"description": "e", "component_issues": [g.component["url"]]}
    )
    assert put.status_code == 200
    component = registry.anonymous.get(path_of(g.component["url"])).json()
    assert component["issues"] == [issue["url"]]


def test_methods_not_allowed_and_slashless_urls(registry: RegistryClient) -> None:
    g = build_graph(registry)
    url = path_of(g.root["url"])
    response = registry.admin.patch(url, json={"local": False})
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "PATCH" not allowed.'}
    assert "GET" in response.headers["allow"]
    assert registry.admin.delete(path_of(g.object["url"])).status_code == 405
    assert registry.admin.put("/api/namespace/", json={}).status_code == 405
    slashless = registry.anonymous.get(url.rstrip("/"))
    assert slashless.status_code == 200
    assert slashless.json() == registry.anonymous.get(url).json()
    patch = registry.admin.patch(path_of(g.data_product["url"]).rstrip("/"), json={})
    assert patch.status_code == 200
    assert registry.anonymous.get("/api/object/abc/").json() == {"detail": "Not found."}
    missing = registry.anonymous.get("/api/object/99999999/")
    assert missing.json() == {"detail": "No Object matches the given query."}
    assert registry.anonymous.get("/api/object/999999999999999999999999/").status_code == 404
    assert registry.anonymous.get("/api/no_such_type/").status_code == 404
    head = registry.anonymous.head(url)
    assert head.status_code == 200 and head.content == b""


def test_links_follow_the_host_header(registry: RegistryClient) -> None:
    g = build_graph(registry)
    port = httpx.URL(registry.base).port
    via_localhost = registry.plain.get(f"http://localhost:{port}{path_of(g.object['url'])}").json()
    via_ip = registry.plain.get(f"http://127.0.0.1:{port}{path_of(g.object['url'])}").json()
    assert via_ip["url"] == f"http://127.0.0.1:{port}{path_of(g.object['url'])}"
    assert via_localhost["url"] == f"http://localhost:{port}{path_of(g.object['url'])}"
    assert via_localhost["authors"][0].startswith(f"http://localhost:{port}/api/author/")
    root = registry.plain.get(f"http://localhost:{port}/api/").json()
    assert list(root)[:3] == ["users", "groups", "file_type"]
    assert root["key_value"] == f"http://localhost:{port}/api/key_value/"


def test_last_updated_refreshed_and_updated_by_is_caller(registry: RegistryClient) -> None:
    g = build_graph(registry)
    before = g.data_product["last_updated"]
    after = registry.admin.patch(path_of(g.data_product["url"]), json={}).json()
    assert after["last_updated"] > before
    assert path_of(after["updated_by"]) == path_of(
        registry.admin.get("/api/users/?username=admin").json()["results"][0]["url"]
    )


@pytest.mark.parametrize("value", [True, "true", "True", "1", 1])
def test_boolean_body_forms(registry: RegistryClient, value: object) -> None:
    record = registry.create("storage_root", {"root": unique("r"), "local": value})
    assert record["local"] is True
