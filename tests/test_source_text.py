"""The code explains itself: no comment or docstring cites an issue number, since the tracker
those numbers belong to is not in the repository (a reader could not follow them)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
ISSUE = re.compile(r"\bissues? \d+|\(#\d+\)")


def test_no_source_cites_an_issue_number() -> None:
    cited = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("fdpd", "fdpctl")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ISSUE.search(line)
    ]
    assert not cited, "say the reason instead of the issue:\n" + "\n".join(cited)
