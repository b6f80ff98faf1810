"""Hypothesis-driven requests against every route of fdpd's OpenAPI document that takes input.

For each case: the answer is never a 5xx; a refused request (4xx) changes nothing (journal rows,
local registry rows, files under FDP_HOME); an operation that streams to an `error` event changes
nothing but its own entry in the operation log. Accepted input may change state; the next case
compares against the new state.

Bodies are drawn from the route's JSON schema: valid and wrong-typed values per property, unknown
properties, non-object JSON and bytes that are not JSON. Strings include NUL, lone surrogates and
path separators; paths are either junk or absolute under a sandbox folder, so nothing can be
created outside FDP_HOME.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fdp_process import FdpInstance, HttpAnswer
from tests.security.conftest import ATTEMPT_LOG_TABLES, State, state_of
from tests.security.openapi import Operation, openapi_document, operations
from tests.security.raw_http import send

CASES = 600
# Inputs that would end the fuzzing rather than test it; the Origin tests cover these routes.
LEFT_OUT = frozenset({("GET", "/v1/operations/follow")})
PATH_LIKE = ("path", "dir", "store", "file")
sent: Counter[str] = Counter()
answered: dict[str, set[int]] = {}  # route → the statuses fdpd answered it with

weird_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),  # the codec leaves surrogates out
        st.sampled_from(["\x00", "\ud800", "/", "..", "%", "\n", "*", "@", ":"]),
    ),
    max_size=12,
).map("".join)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), weird_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def path_values(sandbox: Path) -> st.SearchStrategy[str]:
    names = st.text(alphabet="abcxyz-._", min_size=1, max_size=10).filter(
        lambda s: s not in (".", "..")
    )
    # Never an absolute path outside the sandbox: an accepted data store of `/` would let gc and
    # delete loose on the machine. Relative junk is refused (paths must be absolute).
    return st.one_of(
        names.map(lambda name: str(sandbox / name)),
        st.sampled_from(["", "relative/x", "~", "~/x", "/dev/null", "/proc/self/environ"]),
        weird_text.filter(lambda text: not text.startswith(("/", "~"))),
    )


def property_value(name: str, spec: dict[str, Any], sandbox: Path) -> st.SearchStrategy[Any]:
    kinds = {s.get("type") for s in spec.get("anyOf", [spec])}
    path_like = any(word in name for word in PATH_LIKE)
    # possibly the wrong type; a path-like field gets its strings from `path_values` only
    wrong = json_values.filter(lambda v: not isinstance(v, str)) if path_like else json_values
    typed: list[st.SearchStrategy[Any]] = [wrong]
    if "string" in kinds:
        typed.append(path_values(sandbox) if path_like else weird_text)
    if "boolean" in kinds:
        typed.append(st.booleans())
    if "object" in kinds:
        typed.append(st.dictionaries(weird_text, weird_text, max_size=3))
    if "null" in kinds:
        typed.append(st.none())
    return st.one_of(*typed)


@st.composite
def bodies(draw: st.DrawFn, schema: dict[str, Any], sandbox: Path) -> bytes:
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(st.binary(max_size=30))
    if shape == 1:
        return json.dumps(draw(st.one_of(st.lists(json_values, max_size=3), json_scalars))).encode()
    properties: dict[str, Any] = schema.get("properties", {})
    body = {
        name: draw(property_value(name, spec, sandbox))
        for name, spec in properties.items()
        if draw(st.booleans()) or name in schema.get("required", [])
    }
    if draw(st.integers(0, 4)) == 0:
        body[draw(st.text(max_size=8))] = draw(json_values)
    # `check: true` would make fdpd contact the drawn URL; a closed local port stands in.
    if body.get("check") is not False and "url" in properties:
        body["url"] = draw(st.sampled_from(["http://127.0.0.1:9/api/", "ftp://x/", "", "%%"]))
    return json.dumps(body).encode()


def parameter_value(spec: dict[str, Any]) -> st.SearchStrategy[str]:
    if spec.get("schema", {}).get("type") == "integer":
        return st.one_of(st.integers(-(2**70), 2**70).map(str), weird_text)
    return weird_text


@st.composite
def requests(
    draw: st.DrawFn, candidates: list[Operation], sandbox: Path
) -> tuple[Operation, str, bytes | None]:
    operation = draw(st.sampled_from(candidates))
    path_values_ = {
        p["name"]: quote(draw(parameter_value(p)), safe="", errors="surrogatepass") or "x"
        for p in operation.path_parameters()
    }
    url = operation.url(path_values_)
    query = {p["name"]: draw(parameter_value(p)) for p in operation.query_parameters()}
    if draw(st.booleans()):
        query[draw(st.text(min_size=1, max_size=6))] = draw(weird_text)
    if query:
        url += "?" + urlencode(query, encoding="utf-8", errors="surrogatepass")
    body = None if operation.body_schema is None else draw(bodies(operation.body_schema, sandbox))
    return operation, url, body


def without_attempt_log(state: State) -> State:
    journal = {k: v for k, v in state["journal"].items() if k not in ATTEMPT_LOG_TABLES}
    return {**state, "journal": journal}


def changes(before: State, after: State) -> dict[str, Any]:
    """What differs, table by table, for the failure message."""
    found: dict[str, Any] = {}
    for part in ("journal", "registry"):
        for table in set(before[part]) | set(after[part]):
            old, new = before[part].get(table, []), after[part].get(table, [])
            if old != new:
                found[f"{part}.{table}"] = {
                    "gone": [r for r in old if r not in new][:3],
                    "new": [r for r in new if r not in old][:3],
                }
    if before["files"] != after["files"]:
        found["files"] = sorted(set(before["files"]) ^ set(after["files"]))[:5]
    return found


def ended_in_error(answer: HttpAnswer) -> bool:
    if not answer.headers.get("content-type", "").startswith("application/x-ndjson"):
        return False
    lines = [json.loads(line) for line in answer.body.splitlines() if line.strip()]
    return bool(lines) and lines[-1].get("type") == "error"


@pytest.fixture(scope="module")
def fuzzed(secured_fdp: FdpInstance) -> tuple[FdpInstance, list[Operation], Path]:
    candidates = [
        op
        for op in operations(openapi_document(secured_fdp))
        if (op.parameters or op.body_schema) and (op.method, op.path) not in LEFT_OUT
    ]
    sandbox = secured_fdp.home / "fuzz"
    sandbox.mkdir(exist_ok=True)
    # Known and harmless: the first job request creates the data store's empty `jobs/` folder
    # before its config is validated (the job folder itself is removed on refusal).
    (secured_fdp.home / "store" / "jobs").mkdir(exist_ok=True)
    return secured_fdp, candidates, sandbox


@settings(
    max_examples=CASES,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # no shrinking: a failing case is reported as drawn, in seconds
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_5xx_and_no_state_change_on_refusal(
    fuzzed: tuple[FdpInstance, list[Operation], Path], data: st.DataObject
) -> None:
    fdp, candidates, sandbox = fuzzed
    operation, url, body = data.draw(requests(candidates, sandbox))
    before = state_of(fdp)
    headers = {"Content-Type": "application/json"} if body is not None else {}

    try:
        answer = send(fdp, operation.method, url, headers=headers, body=body, timeout=30)
    except TimeoutError:
        pytest.fail(f"fdpd did not answer {operation.method} {url} {body!r} within 30 s")
    assert fdp.request("GET", "/v1/ping", timeout=10).status == 200, (operation.method, url, body)
    sent[f"{operation.method} {operation.path}"] += 1
    answered.setdefault(f"{operation.method} {operation.path}", set()).add(answer.status)

    assert answer.status < 500, (operation.method, url, body, answer.body)
    if answer.status >= 400:
        assert answer.json()["error"]["message"], answer.body
        after = state_of(fdp)
        assert after == before, (operation.method, url, body, answer.body, changes(before, after))
    elif ended_in_error(answer):
        after, before = without_attempt_log(state_of(fdp)), without_attempt_log(before)
        assert after == before, (operation.method, url, body, changes(before, after))


def test_every_route_with_input_was_fuzzed(
    fuzzed: tuple[FdpInstance, list[Operation], Path],
) -> None:
    _, candidates, _ = fuzzed
    print(f"\n{sum(sent.values())} fuzz cases against the daemon API:")
    for route, count in sorted(sent.items()):
        print(f"  {count:4d}  {route}")
    assert sum(sent.values()) >= CASES
    assert {f"{op.method} {op.path}" for op in candidates} <= set(sent)
    assert fuzzed[0].request("GET", "/v1/ping").status == 200


def test_every_status_answered_is_in_the_openapi_document(
    fuzzed: tuple[FdpInstance, list[Operation], Path],
) -> None:
    documented = {f"{op.method} {op.path}": op.statuses for op in fuzzed[1]}
    print("\nstatuses answered per route:")
    for route, statuses in sorted(answered.items()):
        print(f"  {route}: {sorted(statuses)} (documented {sorted(documented[route])})")
    undocumented = {
        route: sorted(statuses - documented[route])
        for route, statuses in answered.items()
        if statuses - documented[route]
    }
    assert not undocumented, undocumented
