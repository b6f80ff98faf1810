"""Numbers beyond SQLite's integers are a 400, not an overflow inside a query (found by the daemon
API fuzz)."""

from __future__ import annotations

import pytest

from tests.inprocess import InProcessDaemon


@pytest.mark.parametrize("operation_id", [str(2**63), str(2**70), "-1", "0"])
@pytest.mark.parametrize("suffix", ["", "/events"])
def test_operation_ids_out_of_range_are_bad_requests(
    secured_daemon: InProcessDaemon, operation_id: str, suffix: str
) -> None:
    answer = secured_daemon.call("GET", f"/v1/operations/{operation_id}{suffix}")

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "bad_request"


def test_the_largest_id_is_simply_not_found(secured_daemon: InProcessDaemon) -> None:
    assert secured_daemon.call("GET", f"/v1/operations/{2**63 - 1}").status_code == 404
