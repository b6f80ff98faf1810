"""The code-run page shows the code run's last rerun (when, by whom, identical or not), which
fdpd records in its local registry through fdp's `POST /fdp/reruns` (admin key, local mode).
The registry app in process, over ASGI."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.inprocess import InProcessRegistry, registry_in_process
from tests.postgres_database import database_at_head
from tests.web.seed import Seeded, seed


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessRegistry]:
    """The registry over SQLite, and over PostgreSQL when FDP_TEST_POSTGRES_URL names one."""
    files = tmp_path / "files"
    files.mkdir()
    with contextlib.ExitStack() as stack:
        database_url = None
        if request.param == "postgresql":
            server = request.getfixturevalue("postgres_server_url")  # skips (locally) without
            database_url = stack.enter_context(database_at_head(server))
        yield stack.enter_context(
            registry_in_process(
                tmp_path / "registry", file_roots=(files,), database_url=database_url
            )
        )


@pytest.fixture
def seeded(registry: InProcessRegistry, tmp_path: Path) -> Seeded:
    with registry.http(registry.admin_token) as admin:
        return seed(admin, tmp_path / "files")


def run_uuid(registry: InProcessRegistry, run_id: int) -> str:
    with registry.http() as anonymous:
        return str(anonymous.get(f"/api/code_run/{run_id}/").json()["uuid"])


def verdict(code_run: str, **changes: Any) -> dict[str, Any]:
    body = {
        "code_run": code_run,
        "ended": "2026-12-07T12:40:11.512+00:00",
        "username": "ana",
        "verdict": "identical",
        "identical": 2,
        "outputs": 2,
        "job": "2026-12-07_12_40_09_512331",
        "kept": False,
        "new_code_run": None,
    }
    return body | changes


def record(registry: InProcessRegistry, body: dict[str, Any], token: str | None) -> httpx.Response:
    with registry.http(token) as client:
        return client.post("/fdp/reruns", json=body)


def page(registry: InProcessRegistry, run_id: int) -> str:
    with registry.http(accept="text/html") as anonymous:
        answer = anonymous.get(f"/ui/code_run/{run_id}")
    assert answer.status_code == 200, answer.text
    return answer.text.split("<h2>Last rerun</h2>", 1)[1]


def test_the_code_run_page_shows_the_last_recorded_rerun(
    registry: InProcessRegistry, seeded: Seeded
) -> None:
    code_run = run_uuid(registry, seeded.model_run)
    assert "No rerun recorded in this registry" in page(registry, seeded.model_run)
    assert f"<code>fdpctl rerun {code_run}</code>" in page(registry, seeded.model_run)

    answer = record(registry, verdict(code_run), registry.admin_token)
    assert answer.status_code == 201, answer.text

    shown = page(registry, seeded.model_run)
    assert "2026-12-07 12:40:11 UTC by ana" in shown
    assert "<b>identical</b> (2 of 2 outputs)" in shown
    assert "<code>2026-12-07_12_40_09_512331</code>" in shown
    assert "No rerun recorded" in page(registry, seeded.upstream_run)  # another run's stays

    later = verdict(
        code_run,
        ended="2026-12-08T09:00:00+00:00",
        username="bo<b>b",
        verdict="differs",
        identical=1,
        kept=True,
        new_code_run=run_uuid(registry, seeded.upstream_run),
    )
    assert record(registry, later, registry.admin_token).status_code == 201
    shown = page(registry, seeded.model_run)
    assert "2026-12-08 09:00:00 UTC by bo&lt;b&gt;b" in shown  # the newest, escaped
    assert "<b>not identical</b> (1 of 2 outputs identical)" in shown
    assert f'href="/ui/code_run/{seeded.upstream_run}"' in shown  # what --keep kept
    # an older verdict recorded afterwards does not hide the newer one
    older = verdict(code_run, verdict="failed")
    assert record(registry, older, registry.admin_token).status_code == 201
    assert "not identical" in page(registry, seeded.model_run)


def test_a_failed_rerun_and_a_kept_run_not_here_are_said_so(
    registry: InProcessRegistry, seeded: Seeded
) -> None:
    code_run = run_uuid(registry, seeded.upstream_run)
    elsewhere = str(uuid.uuid4())
    body = verdict(code_run, verdict="failed", identical=0, kept=True, new_code_run=elsewhere)
    assert record(registry, body, registry.admin_token).status_code == 201
    shown = page(registry, seeded.upstream_run)
    assert "<b>not reproduced</b>: the model failed in the rerun" in shown
    assert f"code run {elsewhere} (not in this registry)" in shown


def test_only_fdpds_admin_key_records_a_rerun_and_bad_bodies_are_refused(
    registry: InProcessRegistry, seeded: Seeded
) -> None:
    code_run = run_uuid(registry, seeded.model_run)
    assert record(registry, verdict(code_run), None).status_code == 403
    someone = registry.add_user("mallory")
    refused = record(registry, verdict(code_run), someone)
    assert refused.status_code == 403 and "admin" in refused.text
    bad = verdict("not-a-uuid", verdict="maybe", identical=-1)
    del bad["job"]
    answer = record(registry, bad, registry.admin_token)
    assert answer.status_code == 400
    assert set(answer.json()) == {"code_run", "verdict", "identical", "job"}
    assert "No rerun recorded" in page(registry, seeded.model_run)


def test_a_shared_registry_has_no_such_route(tmp_path: Path) -> None:
    with registry_in_process(tmp_path / "shared", shared=True) as shared:
        answer = record(shared, verdict(str(uuid.uuid4())), shared.admin_token)
    assert answer.status_code == 404


def test_a_recorded_rerun_does_not_stop_its_code_run_being_deleted(
    registry: InProcessRegistry, seeded: Seeded
) -> None:
    code_run = run_uuid(registry, seeded.model_run)
    assert record(registry, verdict(code_run), registry.admin_token).status_code == 201
    with registry.http(registry.admin_token) as admin:
        assert admin.delete(f"/api/code_run/{seeded.model_run}/").status_code == 204
        assert admin.get(f"/api/code_run/{seeded.model_run}/").status_code == 404
