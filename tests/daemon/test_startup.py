"""fdpd answers its first command without importing the whole API (issue 27, item 3).

The wall time is a benchmark (benchmarks/startup.py); what these tests hold is the cause of it:
what fdpd imports to start and answer, and the router list the lazy mounting relies on.
"""

from __future__ import annotations

import pkgutil
import sys

import fdpd.api
from fdpd.api.routers import ROUTER_MODULES, load_router, module_for_path
from tests.fdp_process import FdpInstance

# Imported only when a request (or a job, a push, a crash recovery...) needs them.
NOT_AT_START = (
    "fdpregistry",  # the registry app runs in its own process, never in fdpd's
    "fdpd.api.push",
    "fdpd.api.pull",
    "fdpd.api.jobs",
    "fdpd.features.run",
    "fdpd.features.run.executors",
    "fdpd.features.pull",
    "fdpd.features.push",
    "fdpd.userconfig",
    "fdpd.sync",
    "httpx",
)


def _imported(importtime_output: str) -> set[str]:
    lines = [line for line in importtime_output.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}


def test_fdpd_starts_and_answers_without_the_features_behind_other_routes(
    fdp: FdpInstance,
) -> None:
    output = fdp.home / "importtime.txt"
    fdp.home.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as sink:
        daemon = fdp.spawn_daemon(
            command=[sys.executable, "-X", "importtime", "-m", "fdpd"], output=sink
        )
    fdp.wait_until_answering(daemon)
    assert fdp.request("GET", "/v1/daemon/status").status == 200
    assert fdp.stop_daemon(daemon) == 0

    imported = _imported(output.read_text(errors="replace"))

    assert "fdpd.server.daemon" in imported, "no -X importtime output from fdpd"
    early = sorted(
        name
        for name in imported
        if any(name == heavy or name.startswith(f"{heavy}.") for heavy in NOT_AT_START)
    )
    assert not early, f"fdpd imports {early} to start and answer /v1/daemon/status"


def test_a_route_needed_later_still_answers(running_fdp: FdpInstance) -> None:
    answer = running_fdp.request("GET", "/v1/remotes")

    assert answer.status == 200, answer.body
    assert running_fdp.request("GET", "/v1/nothing-here").status == 404


def test_the_router_list_names_the_path_segments_of_every_router() -> None:
    modules = {
        info.name for info in pkgutil.iter_modules(fdpd.api.__path__) if info.name != "routers"
    }
    with_router = {name for name in modules if _has_router(name)}
    assert with_router == set(ROUTER_MODULES), "fdpd/api/routers.py: ROUTER_MODULES is stale"
    for module, segments in ROUTER_MODULES.items():
        served = {route.path.split("/")[1] for route in load_router(module).routes}  # type: ignore[attr-defined]
        assert served == set(segments), f"{module} serves /v1/{sorted(served)}"
        for segment in segments:
            assert module_for_path(f"/v1/{segment}/x") == module
    assert module_for_path("/v1/openapi.json") is None
    assert module_for_path("/api/commit") is None


def _has_router(name: str) -> bool:
    import importlib

    return hasattr(importlib.import_module(f"fdpd.api.{name}"), "router")
