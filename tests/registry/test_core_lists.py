"""Lists: envelope, cursor pagination, ordering, filters of every kind and their 400s
(docs/registry-api.md, Lists), against a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from tests.registry.conftest import RegistryClient, id_of, path_of, unique
from tests.registry.graph import build_graph


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [record["name"] for record in response.json()["results"]]


def test_pagination_follows_next_and_previous(registry: RegistryClient) -> None:
    prefix = unique("page")
    names = [f"{prefix}-{i}" for i in range(5)]
    for name in names:
        registry.create("namespace", {"name": name})
    first = registry.anonymous.get(f"/api/namespace/?name={prefix}-*&page_size=2")
    body = first.json()
    assert body["count"] == 5 and body["previous"] is None
    assert _names(first) == [names[4], names[3]]  # newest first
    seen = _names(first)
    next_url = body["next"]
    assert next_url.startswith(registry.base + "/api/namespace/?")
    assert "page_size=2" in next_url and "cursor=" in next_url
    while next_url:
        page = registry.plain.get(next_url)
        seen += _names(page)
        previous_url, next_url = page.json()["previous"], page.json()["next"]
    assert seen == list(reversed(names))
    back = registry.plain.get(previous_url)
    assert _names(back) == [names[2], names[1]]
    assert registry.anonymous.get("/api/namespace/?cursor=zzz").json() == {
        "detail": "Invalid cursor"
    }
    assert registry.anonymous.get("/api/namespace/?cursor=zzz").status_code == 404


def test_page_size_defaults_and_ordering(registry: RegistryClient) -> None:
    prefix = unique("ord")
    for name in ("b", "a", "c"):
        registry.create("namespace", {"name": f"{prefix}{name}"})
    for size in ("0", "-1", "x", "", "²", "١٢"):  # digits int() refuses, or not ASCII
        response = registry.anonymous.get(f"/api/namespace/?name={prefix}*&page_size={size}")
        assert len(response.json()["results"]) == 3
    ordered = registry.anonymous.get(f"/api/namespace/?name={prefix}*&ordering=name")
    assert _names(ordered) == [f"{prefix}a", f"{prefix}b", f"{prefix}c"]
    descending = registry.anonymous.get(f"/api/namespace/?name={prefix}*&ordering=-name,nothing")
    assert _names(descending) == [f"{prefix}c", f"{prefix}b", f"{prefix}a"]
    paged = registry.anonymous.get(f"/api/namespace/?name={prefix}*&ordering=name&page_size=2")
    assert _names(registry.plain.get(paged.json()["next"])) == [f"{prefix}c"]


def test_glob_filters(registry: RegistryClient) -> None:
    prefix = unique("g")
    for name in ("x/a.b", "x/a+b", "x/y/z", "xab", "y"):
        registry.create("namespace", {"name": f"{prefix}{name}"})

    def matches(pattern: str) -> set[str]:
        found = _names(registry.anonymous.get(f"/api/namespace/?name={prefix}{pattern}"))
        return {name.removeprefix(prefix) for name in found}

    assert matches("x/*") == {"x/a.b", "x/a+b", "x/y/z"}  # `*` crosses `/`
    assert matches("x/a.b") == {"x/a.b"}  # `.` is literal
    assert matches("x/a?b") == {"x/a.b", "x/a+b"}
    assert matches("x[!/]*") == {"xab"}
    assert matches("[xy]") == {"y"}  # whole-string match: "xab" does not match
    assert matches("x") == set()
    assert matches("x/a%2Bb") == {"x/a+b"}  # encoded `+`; a raw `+` decodes to a space


def test_relation_boolean_and_scalar_filters(registry: RegistryClient) -> None:
    g = build_graph(registry)
    object_id = id_of(g.object["url"])
    for value in ("True", "true", "TRUE", "1"):
        found = registry.anonymous.get(f"/api/object_component/?object={object_id}"
                                       f"&whole_object={value}").json()  # fmt: skip
        assert found["count"] == 1
    none = registry.anonymous.get(f"/api/object_component/?object={object_id}&whole_object=0")
    assert none.json()["count"] == 0
    ignored = registry.anonymous.get(f"/api/object_component/?object={object_id}&whole_object=x")
    assert ignored.json()["count"] == 1
    by_author = registry.anonymous.get(f"/api/object/?authors={id_of(g.author['url'])}").json()
    assert [r["url"] for r in by_author["results"]] == [g.object["url"]]
    other_author = registry.create("author", {"name": unique()})
    both = registry.anonymous.get(
        f"/api/object/?authors={id_of(other_author['url'])},{id_of(g.author['url'])}"
    ).json()
    assert both["count"] == 1
    loc = g.location
    query = f"hash={loc['hash']}&public=True&storage_root={id_of(g.root['url'])}"
    assert registry.anonymous.get(f"/api/storage_location/?{query}").json()["count"] == 1
    root = registry.anonymous.get(f"/api/storage_root/?root={g.root['root']}&local=True").json()
    assert root["count"] == 1
    product = registry.anonymous.get(
        f"/api/data_product/?name={g.data_product['name']}&version=1.0.0"
        f"&namespace={id_of(g.namespace['url'])}"
    ).json()
    assert product["results"][0]["url"] == g.data_product["url"]
    uuid_query = registry.anonymous.get(f"/api/object/?uuid={g.object['uuid']}").json()
    assert uuid_query["count"] == 1
    stamp = registry.anonymous.get(
        f"/api/object/?last_updated={g.object['last_updated']}&uuid={g.object['uuid']}"
    ).json()
    assert stamp["count"] == 1
    reverse_ignored = registry.anonymous.get(
        f"/api/object/?data_products=999999&uuid={g.object['uuid']}"
    )
    assert reverse_ignored.json()["count"] == 1
    empty_value = registry.anonymous.get(f"/api/object/?description=&uuid={g.object['uuid']}")
    assert empty_value.json()["count"] == 1


def test_filter_value_errors(registry: RegistryClient) -> None:
    cases = {
        "/api/data_product/?namespace=abc": {"namespace": ["Enter a number."]},
        "/api/data_product/?namespace=http://x/api/namespace/1/":
            {"namespace": ["Enter a number."]},
        "/api/code_run/?inputs=99999999": {"inputs": [
            "Select a valid choice. 99999999 is not one of the available choices."]},
        "/api/issue/?severity=high": {"severity": ["Enter a number."]},
        "/api/code_run/?run_date=yesterday": {"run_date": ["Enter a valid date/time."]},
        "/api/object/?uuid=nope": {"uuid": ["Enter a valid UUID."]},
        "/api/code_run/?outputs=": {"outputs": ["“” is not a valid value."]},  # as the reference
    }  # fmt: skip
    for url, errors in cases.items():
        response = registry.anonymous.get(url)
        assert (response.status_code, response.json()) == (400, errors), url


def test_unknown_query_keys(registry: RegistryClient) -> None:
    response = registry.anonymous.get("/api/file_type/?colour=red")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid query arguments, only query arguments [object, updated_by, "
        "last_updated, name, extension, cursor, format, ordering, page_size] are allowed"
    }
    users = registry.admin.get("/api/users/?page_size=1")
    assert users.json() == {
        "detail": "Invalid query arguments, only query arguments [username, cursor, format] "
        "are allowed"
    }
    groups = registry.admin.get("/api/groups/?name=x")
    assert groups.json() == {"detail": "Invalid query arguments, no query arguments are allowed"}
    assert registry.anonymous.get("/api/file_type/?format=json").status_code == 200


def test_julia_style_lookup_with_the_whole_body(registry: RegistryClient) -> None:
    g = build_graph(registry)
    run = registry.create(
        "code_run",
        {"run_date": "2024-01-01 12:00:00", "description": "julia run",
         "submission_script": g.object["url"]},
    )  # fmt: skip
    query = (f"run_date=2024-01-01 12:00:00&description=julia run"
             f"&submission_script={id_of(g.object['url'])}")  # fmt: skip
    found = registry.anonymous.get(f"/api/code_run/?{query}").json()
    assert [r["url"] for r in found["results"]] == [run["url"]]
    assert path_of(run["url"]).startswith("/api/code_run/")
