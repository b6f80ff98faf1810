"""`fdpctl run --array SPEC`: task indexes as sbatch takes them, and clear errors for anything
else (issue 25). In process: no cluster needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdpd.base.errors import FdpError
from fdpd.features.run import ConfigSource
from fdpd.features.run.executors.array import parse_array, with_task


def test_ranges_lists_steps_and_a_limit() -> None:
    assert parse_array("1-3").ids == (1, 2, 3)
    assert parse_array("1,3,5-7").ids == (1, 3, 5, 6, 7)
    assert parse_array("0-9:3").ids == (0, 3, 6, 9)
    spec = parse_array("1-100%10")
    assert (len(spec.ids), spec.limit) == (100, 10)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "an empty part is not N, N-M or N-M:STEP"),
        ("a-b", "a-b is not N, N-M or N-M:STEP"),
        ("5-1", "5-1 is an empty range"),
        ("1-3,2", "a task index is given twice"),
        ("1-3%0", "%0 is not a number of tasks at once"),
        ("0-20000", "more than 10000 tasks"),
        ("0-999999999999", "more than 10000 tasks"),
    ],
)
def test_a_bad_spec_says_what_is_wrong(text: str, said: str) -> None:
    with pytest.raises(FdpError) as error:
        parse_array(text)
    assert error.value.message == f"--array {text}: {said}"
    assert "1-100%10" in error.value.hint


def test_task_replaces_every_task_template() -> None:
    source = ConfigSource("a: ${{TASK}}\nb: x-${{TASK}}\n", "/p/config.yaml", Path("/p"))
    assert with_task(source, 7).text == "a: 7\nb: x-7\n"
