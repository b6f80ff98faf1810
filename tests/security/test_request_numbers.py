"""Numbers beyond SQLite's integers are a 400, not an overflow inside a query (found by the daemon
API fuzz)."""

from __future__ import annotations

import pytest

from tests.fdp_process import FdpInstance


@pytest.mark.parametrize("operation_id", [str(2**63), str(2**70), "-1", "0"])
@pytest.mark.parametrize("suffix", ["", "/events"])
def test_operation_ids_out_of_range_are_bad_requests(
    secured_fdp: FdpInstance, operation_id: str, suffix: str
) -> None:
    answer = secured_fdp.request("GET", f"/v1/operations/{operation_id}{suffix}")

    assert answer.status == 400, answer.body
    assert answer.json()["error"]["code"] == "bad_request"


def test_the_largest_id_is_simply_not_found(secured_fdp: FdpInstance) -> None:
    assert secured_fdp.request("GET", f"/v1/operations/{2**63 - 1}").status == 404
