"""Hypothesis-driven requests against the registry routes `tests/registry/test_core_fuzz.py` does
not reach: the data store protocol (`POST /api/data`, `PUT /data/upload/...`, `GET /data/...`),
fdp's management routes, the special read routes (prov report, RO-Crate, data extraction, file
redirects) and users/groups/username. The registry serves no OpenAPI document, so the routes and
their parameters come from docs/registry-api.md and `fdpregistry.schema`.

Every case against a shared registry (the app in process) with a data store: never a 5xx; every
row of every table and the data store's files are unchanged after each case (none of these
requests may write: they are refused, or they only read or hand out an upload URL).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.inprocess import registry_in_process
from tests.registry.conftest import ACCEPT, RegistryClient
from tests.registry.graph import Graph, build_graph
from tests.registry.test_core_fuzz import dump

CASES = 400
sent: Counter[str] = Counter()

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
junk = text.map(lambda s: quote(s, safe="")).filter(lambda s: s not in (".", ".."))  # in a URL
ids = st.one_of(
    st.integers(-(2**70), 2**70).map(str), junk, st.just("1"), st.just("0"), st.just("999999")
)
sha1s = st.one_of(
    st.text(alphabet="0123456789abcdefABCDEF", min_size=39, max_size=41),
    st.binary(min_size=20, max_size=20).map(lambda b: b.hex()),
    junk,
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


class Target:
    def __init__(self, client: RegistryClient, graph: Graph, store: Path, stored: str) -> None:
        self.client = client
        self.graph = graph
        self.store = store
        self.stored = stored  # SHA-1 of the one file in the data store
        self.raw = client.plain  # exactly the drawn headers (and httpx's own)

    def state(self) -> tuple[Any, list[str]]:
        files = sorted(str(p.relative_to(self.store)) for p in self.store.rglob("*"))
        return dump(self.client.database_url), files


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    work = Path(tmp_path_factory.mktemp("regfuzz"))
    store = work / "store"
    with registry_in_process(work, shared=True, data_store=store) as served:
        client = RegistryClient(served)
        try:
            graph = build_graph(client)
            content = secrets.token_bytes(256)
            digest = hashlib.sha1(content).hexdigest()
            upload = client.admin.post(f"/api/data/{digest}")
            assert upload.status_code == 200, upload.text
            assert client.plain.put(upload.json()["url"], content=content).status_code < 300
            shared = Target(client, graph, store, digest)
            before = shared.state()
            yield shared
            assert shared.state() == before
        finally:
            client.close()


def _requests(draw: st.DrawFn, target: Target) -> tuple[str, str, str, dict[str, Any]]:
    """(family, method, url, httpx keyword arguments) of one case."""
    dp_id = target.graph.data_product["url"].rstrip("/").rsplit("/", 1)[1]
    family = draw(
        st.sampled_from(
            ["data-url", "upload", "download", "author", "special", "files", "users", "query"]
        )
    )
    kwargs: dict[str, Any] = {}
    if family == "data-url":
        method = "POST"
        if draw(st.booleans()):
            url = f"/api/data/{draw(sha1s)}"
        else:
            url = "/api/data"
            body = draw(st.one_of(st.fixed_dictionaries({"checksum": sha1s}), json_values))
            kwargs["content"] = json.dumps(body).encode()
        # a valid checksum from a caller with a key only gets an upload URL; nothing is written
    elif family == "upload":
        method = "PUT"
        checksum = draw(st.one_of(st.just(target.stored), sha1s))
        query = {"expires": draw(st.one_of(ids, text)), "signature": draw(text)}
        url = f"/data/upload/{checksum}?" + httpx.QueryParams(query).__str__()
        kwargs["content"] = draw(st.binary(max_size=64))
    elif family == "download":
        method = draw(st.sampled_from(["GET", "HEAD"]))
        url = f"/data/{draw(st.one_of(junk, sha1s, st.just(target.stored)))}"
    elif family == "author":
        method = "PUT"
        url = "/fdp/active-author"
        body = draw(st.one_of(st.fixed_dictionaries({"author": st.one_of(ids, text)}), json_values))
        kwargs["content"] = json.dumps(body).encode()
    elif family == "special":
        method = "GET"
        route = draw(
            st.sampled_from(
                ["prov-report", "ro-crate/data-product", "ro-crate/code-run", "data_extraction"]
            )
        )
        url = f"/api/{route}/{draw(st.one_of(ids, st.just(dp_id)))}/"
    elif family == "files":
        method = "GET"
        kind = draw(st.sampled_from(["data_product", "external_object"]))
        spec = draw(st.lists(junk, min_size=1, max_size=4).map(":".join))
        url = f"/{kind}/{spec}"
    elif family == "users":
        method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
        route = draw(st.sampled_from(["users", "groups", "username"]))
        url = f"/api/{route}/" + (
            draw(ids) + "/" if route != "username" and draw(st.booleans()) else ""
        )
        if method != "GET":
            kwargs["content"] = json.dumps(draw(json_values)).encode()
    else:  # query parameters on the special routes
        method = "GET"
        route = draw(st.sampled_from([f"prov-report/{dp_id}/", "users/", "groups/", "username/"]))
        params = draw(
            st.dictionaries(
                st.sampled_from(["format", "attributes", "aspect_ratio", "dpi", "cursor", "x"]),
                text,
                max_size=3,
            )
        )
        url = f"/api/{route}?" + str(httpx.QueryParams(params))
    headers = {"Accept": ACCEPT}
    if draw(st.booleans()):
        headers["Authorization"] = f"token {target.client.admin_token}"
    elif draw(st.booleans()):
        headers["Authorization"] = draw(st.sampled_from(["token", "token x", f"token {'0' * 40}"]))
    if "content" in kwargs:
        headers["Content-Type"] = "application/json"
    kwargs["headers"] = headers
    return family, method, url, kwargs


@settings(
    max_examples=CASES,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_5xx_and_nothing_written(target: Target, data: st.DataObject) -> None:
    family, method, url, kwargs = data.draw(st.composite(_requests)(target))
    # Reads are checked once at the end of the module (a dump per case costs ~80 ms).
    before = target.state() if method not in ("GET", "HEAD") else None

    response = target.raw.request(method, url, **kwargs)
    sent[family] += 1

    assert response.status_code < 500, (method, url, kwargs, response.text[:300])
    if before is not None:
        assert target.state() == before, (method, url, kwargs, response.status_code)


def test_every_family_was_fuzzed(target: Target) -> None:
    print(f"\n{sum(sent.values())} fuzz cases against the registry's other routes:")
    for family, count in sorted(sent.items()):
        print(f"  {count:4d}  {family}")
    assert sum(sent.values()) >= CASES
    assert len(sent) == 8
