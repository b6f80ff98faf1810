"""Bad input never gives a 5xx and never changes the database.

Hypothesis generates well over 1,000 malformed requests per backend (invalid JSON, non-object
bodies, wrong types, forbidden name characters, bad links, unknown or bad query parameters, bad
ids, anonymous or bad-key writes, disallowed methods, an oversized body) against a real server
process; a dump of every table before and after must be identical.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.pool import NullPool

import fdpregistry.models  # noqa: F401  (registers the tables)
from fdpregistry.models import RegistryModel
from fdpregistry.schema import LINK, LINKS, NAME, SEMVER, SPECS
from tests.registry.conftest import RegistryClient
from tests.registry.graph import build_graph

EXAMPLES_PER_TEST = 300  # four fuzz tests: more than 1,000 requests per backend (filters
# discard a few drawn examples, so 4 x 260 gave 988 in one run)
TYPES = sorted(SPECS)
_sent = {"requests": 0}

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False), st.text(max_size=30),
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
small_containers = st.one_of(
    st.lists(json_scalars, min_size=1, max_size=2),
    st.dictionaries(st.text(max_size=4), json_scalars, min_size=1, max_size=2),
)
forbidden_names = st.text(alphabet="[]?*", min_size=1, max_size=3).map(lambda s: f"a{s}b")
wrong_for_link = st.one_of(
    st.integers(), st.booleans(), st.just("/api/nothing/1/"), st.just("/api/object/999999999/"),
    st.text(min_size=1, max_size=20).filter(lambda s: not s.startswith("/")),
    st.just("http://x/api/object/"),
)  # fmt: skip
query_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="&#"),
    max_size=12,
)
FUZZ = settings(
    max_examples=EXAMPLES_PER_TEST, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


def dump(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every registry table, in primary key order."""
    with _reader(database_url).connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in RegistryModel.metadata.sorted_tables
        }


@functools.cache
def _reader(database_url: str) -> Engine:
    """One engine per database for `dump` (the fuzz tests dump after every case): without a pool,
    so no connection stays open between dumps (a test's PostgreSQL database is dropped after it)."""
    return create_engine(database_url, poolclass=NullPool)


@st.composite
def invalid_bodies(draw: st.DrawFn, type_name: str) -> dict[str, Any]:
    """A body in which one required (else one writable) field certainly has an invalid value."""
    writable = [f for f in SPECS[type_name].fields if f.writable]
    target = draw(st.sampled_from([f for f in writable if f.required] or writable))
    keys = st.sampled_from([f.name for f in writable] + ["junk"])
    body = draw(st.dictionaries(keys, json_values, max_size=4))
    if target.kind == LINK:
        bad = draw(wrong_for_link)
    elif target.kind == LINKS:
        bad = draw(st.one_of(st.text(max_size=5), st.lists(wrong_for_link, min_size=1, max_size=2)))
    elif target.kind == NAME:
        bad = draw(st.one_of(forbidden_names, st.booleans(), small_containers))
    elif target.kind == SEMVER:
        bad = draw(st.one_of(st.just("1.0"), st.just("v1.0.0"), st.booleans(), small_containers))
    elif target.kind == "bool":
        bad = draw(st.one_of(small_containers, st.just("maybe"), st.just(2)))
    else:
        bad = draw(st.one_of(st.booleans(), small_containers))
    body[target.name] = bad
    return body


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    if "json" in kwargs:  # ASCII-escaped, so lone surrogates reach the server as `\udxxx`
        kwargs["content"] = json.dumps(kwargs.pop("json")).encode()
        kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": "application/json"}
    response = client.request(method, url, **kwargs)
    _sent["requests"] += 1
    assert response.status_code < 500, (method, url, kwargs, response.text)
    if method != "GET":
        assert 400 <= response.status_code < 500, (method, url, kwargs, response.text[:80])
    return response


def _not_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return bool(raw.strip())
    return False


@pytest.fixture(scope="module")
def fuzz_target(registry: RegistryClient) -> Iterator[RegistryClient]:
    """The module's server with a record graph; its tables must be unchanged at the end."""
    build_graph(registry)
    before = dump(registry.database_url)
    yield registry
    assert dump(registry.database_url) == before


@FUZZ
@given(data=st.data())
def test_malformed_bodies(fuzz_target: RegistryClient, data: st.DataObject) -> None:
    url = f"/api/{data.draw(st.sampled_from(TYPES))}/"
    choice = data.draw(st.integers(0, 3))
    if choice == 0:
        raw = data.draw(st.binary(max_size=40).filter(_not_json))
        _send(fuzz_target.admin, "POST", url, content=raw,
              headers={"Content-Type": "application/json"})  # fmt: skip
    elif choice == 1:
        body = data.draw(st.one_of(st.lists(json_values, max_size=3), json_scalars))
        if body is not None:
            _send(fuzz_target.admin, "POST", url, json=body)
    else:
        _send(fuzz_target.admin, "POST", url, json=data.draw(invalid_bodies(url.split("/")[2])))


@FUZZ
@given(data=st.data())
def test_malformed_updates(fuzz_target: RegistryClient, data: st.DataObject) -> None:
    type_name = data.draw(st.sampled_from(["issue", "data_product", "code_run", "object"]))
    raw_id = data.draw(st.sampled_from(["1", "abc", "0", "99999999999999999999999", "-1"]))
    method = data.draw(st.sampled_from(["PUT", "PATCH", "DELETE"]))
    url = f"/api/{type_name}/{raw_id}/"
    if type_name == "object":
        _send(fuzz_target.admin, method, url, json={})  # immutable type: 405
    elif method == "DELETE":
        _send(fuzz_target.anonymous, method, url)  # anonymous: 403
    else:
        _send(fuzz_target.admin, method, url, json=data.draw(invalid_bodies(type_name)))


@FUZZ
@given(data=st.data())
def test_malformed_queries(fuzz_target: RegistryClient, data: st.DataObject) -> None:
    spec = SPECS[data.draw(st.sampled_from(TYPES))]
    keys = st.sampled_from([*spec.filter_fields, "cursor", "page_size", "ordering"])
    key = data.draw(st.one_of(keys, query_text))
    raw = f"/api/{spec.name}/?{key}={data.draw(query_text)}".replace(" ", "%20")
    _send(fuzz_target.anonymous, "GET", raw)


@FUZZ
@given(data=st.data())
def test_bad_credentials_and_methods(fuzz_target: RegistryClient, data: st.DataObject) -> None:
    type_name = data.draw(st.sampled_from(TYPES))
    header = data.draw(st.one_of(
        st.none(), st.just("token"), st.just("Token a b"), st.just("Bearer x"),
        st.text(alphabet="0123456789abcdef", min_size=40, max_size=40).map(lambda k: f"token {k}"),
    ))  # fmt: skip
    headers = {} if header is None else {"Authorization": header}
    body = {"name": "fine", "root": "fine", "description": "fine"}
    response = _send(
        fuzz_target.anonymous, "POST", f"/api/{type_name}/", json=body, headers=headers
    )
    assert response.status_code == 403
    if type_name not in ("issue", "data_product", "code_run"):
        method = data.draw(st.sampled_from(["PUT", "PATCH", "DELETE"]))
        assert _send(fuzz_target.admin, method, f"/api/{type_name}/1/", json={}).status_code == 405


def test_oversized_body_is_refused(fuzz_target: RegistryClient) -> None:
    response = _send(fuzz_target.admin, "POST", "/api/namespace/", content=b"[" * (17 * 2**20),
                     headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 413


def test_enough_malformed_requests_were_sent(fuzz_target: RegistryClient) -> None:
    assert _sent["requests"] >= 1000
    _sent["requests"] = 0
