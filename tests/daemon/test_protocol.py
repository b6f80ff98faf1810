"""The daemon protocol is typed once, in `fdpd.base.wire`: the states its answers carry are the
journal's enums (so the OpenAPI document lists their values), its NDJSON events are TypedDicts,
and fdpctl's `run_operation` answers the type of the operation it starts, checked by mypy."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fdpctl.errors import OperationFailed
from fdpctl.transport import _events
from fdpd.base.wire import CheckOutcome, ItemState, JobState, Outcome
from tests.openapi_document import openapi

__all__ = ["openapi"]  # the fixture

ROOT = Path(__file__).parents[2]


def _values(document: dict[str, Any], schema: str, field: str) -> set[str]:
    """The values the document allows for `schema.field` (following a `$ref`, an `anyOf`)."""
    found = document["components"]["schemas"][schema]["properties"][field]
    options = found.get("anyOf", [found])
    values: set[str] = set()
    for option in options:
        if "$ref" in option:
            option = document["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
        values |= set(option.get("enum", []))
    return values


@pytest.mark.parametrize(
    ("schema", "field", "states"),
    [
        ("OperationOut", "outcome", Outcome),
        ("JobOut", "state", JobState),
        ("JobItem", "state", ItemState),
        ("CommitChange", "before", ItemState),
        ("CommitChange", "after", ItemState),
        ("CheckOut", "outcome", CheckOutcome),
        ("ItemDetail", "job_state", JobState),
        ("RegistryState", "state", None),
    ],
)
def test_answers_name_the_states_they_may_carry(
    openapi: dict[str, Any], schema: str, field: str, states: Any
) -> None:
    """A client reading the OpenAPI document learns every state a field may hold, not `string`."""
    expected = (
        {s.value for s in states} if states else {"stopped", "starting", "running", "external"}
    )
    assert _values(openapi, schema, field) == expected


class _Lines:
    """FAULT INJECTION: an answer whose NDJSON lines are not events (fdpd never sends such)."""

    def __init__(self, *lines: bytes) -> None:
        self._lines: Iterator[bytes] = iter(lines)
        self.closed = False

    def readline(self) -> bytes:
        return next(self._lines, b"")

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("line", [b"not json\n", b"[1, 2]\n", b'{"id": 1}\n', b'{"type": 3}\n'])
def test_a_line_that_is_no_event_is_a_clear_error(line: bytes) -> None:
    answer = _Lines(b'{"id": 1, "type": "log", "message": "hello", "level": "info"}\n', line)
    events = _events(answer)  # type: ignore[arg-type]
    assert next(events)["type"] == "log"
    with pytest.raises(OperationFailed, match="not an operation event"):
        next(events)
    assert answer.closed


MISUSES = textwrap.dedent(
    """
    from fdpctl.cli import Invocation
    from fdpctl.commands.pull import PULL
    from fdpctl.commands.push import PUSH
    from fdpctl.streaming import run_operation
    from fdpd.base.wire import Event, JobOut


    def pulled(inv: Invocation) -> None:
        result = run_operation(inv, PULL)
        result["no_such_key"]  # error: not a key of Pulled
        pushed: int = run_operation(inv, PUSH)  # error: Pushed is no int


    def state(job: JobOut) -> None:
        job["state"] = "finished"  # error: not a JobState


    def message(event: Event) -> str:
        if event["type"] == "result":
            return event["message"]  # error: a result has no message
        return event["message"] if event["type"] == "log" else ""
    """
)


def test_mypy_checks_what_fdpctl_reads_of_an_operation(tmp_path: Path) -> None:
    """Misreading an operation's answer, a state or an event is a type error, not a KeyError
    at run time (`run_operation` answered `Any`, states were `str`, events `dict[str, Any]`)."""
    snippet = tmp_path / "misuses.py"
    snippet.write_text(MISUSES, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent",
         "--config-file", str(ROOT / "pyproject.toml"), str(snippet)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    found = {int(line.split(":")[1]) for line in done.stdout.splitlines() if ": error:" in line}
    marked = {n for n, line in enumerate(MISUSES.splitlines(), start=1) if "# error" in line}
    assert found == marked and len(marked) == 4, done.stdout
