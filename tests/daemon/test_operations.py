"""Long operations: NDJSON events, the journal's record of them, replay and failure."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
import pytest

from fdpd.base.paths import resolve_locations
from fdpd.base.settings import DaemonSettings
from fdpd.core.context import DaemonContext
from fdpd.core.operations import redact
from fdpd.journal import Journal
from fdpd.server.app import create_app
from fdpd.server.guard import RequestGuard
from tests.fdp_process import json_lines
from tests.fdpctl_in_process import fdpctl_in
from tests.inprocess import InProcessDaemon, daemon_in_process


def test_check_streams_numbered_events_and_replays_them_and_a_failed_one_is_recorded(
    tmp_path: Path,
) -> None:
    """fdpctl's code and the daemon app in process (tests/fdpctl_in_process.py); the real
    fdpctl and fdpd run `daemon check` in tests/daemon/test_lifecycle.py."""
    with daemon_in_process(tmp_path / "fdp") as daemon:
        daemon.locations.ensure()  # as fdpd does when it starts
        check_and_replay(daemon)


def check_and_replay(daemon: InProcessDaemon) -> None:
    streamed = fdpctl_in(daemon, "--json", "daemon", "check")

    assert streamed.returncode == 0, streamed.stderr
    events = json_lines(streamed.stdout)
    assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    assert {"progress", "log"} <= {event["type"] for event in events}
    assert events[-1]["type"] == "result"
    assert all(check["ok"] for check in events[-1]["result"]["checks"])
    operation_id = events[-1]["operation"]

    recent = json.loads(fdpctl_in(daemon, "--json", "log").stdout)["operations"]
    shown = json.loads(fdpctl_in(daemon, "--json", "log", str(operation_id)).stdout)

    assert recent[0]["id"] == operation_id
    assert recent[0]["verb"] == "daemon check" and recent[0]["outcome"] == "succeeded"
    assert shown["operation"]["ended"] is not None
    assert shown["events"] == events
    replayed = daemon.call("GET", f"/v1/operations/{operation_id}/events")
    assert replayed.headers["content-type"].startswith("application/x-ndjson")
    assert json_lines(replayed.text) == events

    # a failed check exits 1 and is recorded (the same fdpd: one start for both)
    daemon.locations.config_dir.chmod(0o755)

    result = fdpctl_in(daemon, "daemon", "check")

    assert result.returncode == 1
    assert "lets other users in" in result.stderr
    assert f"chmod 700 {daemon.locations.config_dir}" in result.stderr
    recent = json.loads(fdpctl_in(daemon, "--json", "log").stdout)["operations"]
    assert recent[0]["outcome"] == "failed"
    assert recent[0]["error"]["code"] == "check_failed"
    human = fdpctl_in(daemon, "log", str(recent[0]["id"]))
    assert "failed" in human.stdout and "check_failed" in human.stdout


def test_secrets_in_arguments_are_never_recorded() -> None:
    arguments = {"remote": "origin", "token": "s3cr3t", "auth": {"password": "p", "user": "u"}}

    assert redact(arguments) == {
        "remote": "origin",
        "token": "***",
        "auth": {"password": "***", "user": "u"},
    }


def test_unexpected_exception_is_a_500_with_the_log_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Fake fault: no real route of fdpd raises an unexpected exception on purpose, so this
    # in-process app gets one extra route that does.
    locations = resolve_locations({"FDP_HOME": str(tmp_path)})
    locations.ensure()
    journal = Journal.open(locations.journal_path)
    ctx = DaemonContext(locations=locations, journal=journal, settings=DaemonSettings())
    app = create_app(ctx)

    @app.get("/v1/fake-fault")
    async def fake_fault() -> None:
        raise RuntimeError("boom in a fake route")

    async def call() -> httpx.Response:
        guarded = RequestGuard(app, token="t")  # as fdpd.server.daemon wraps it
        transport = httpx.ASGITransport(app=guarded, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.get("/v1/fake-fault", headers={"Authorization": "Bearer t"})

    with caplog.at_level(logging.ERROR):
        answer = asyncio.run(call())
    journal.close()

    assert answer.status_code == 500
    assert answer.headers["fdp-version"]
    error = answer.json()["error"]
    assert error["code"] == "internal"
    assert str(locations.daemon_log_path) in error["hint"]
    assert "boom" not in answer.text
    assert "boom in a fake route" in caplog.text


def test_a_limit_beyond_any_count_is_refused_not_an_internal_error(tmp_path: Path) -> None:
    """The daemon fuzz found `GET /v1/status?limit=1180591620717411303423`: a number SQLite cannot
    hold reached the journal's query (a 500). Every `limit` has a ceiling: 400, naming it."""
    with daemon_in_process(tmp_path / "fdp") as daemon:
        for path in ("/v1/status", "/v1/jobs", "/v1/operations", "/v1/reruns"):
            answer = daemon.call("GET", f"{path}?limit=1180591620717411303423")
            assert answer.status_code == 400, (path, answer.text)
            assert "limit" in answer.text
        assert daemon.call("GET", "/v1/status?limit=0").status_code == 200
