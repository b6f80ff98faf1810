"""The documents say what fdp writes in place of a token in a job's output (issue 20 item 11):
the very marker fdpd/features/run/redaction.py writes, in any case spelling a reader may search
for."""

from __future__ import annotations

import re
from pathlib import Path

from fdpd.features.run.redaction import REDACTED

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_docs_name_the_marker_fdp_writes() -> None:
    marker = re.compile(re.escape(REDACTED), re.IGNORECASE)
    found = {
        f"docs/{path.name}:{text.count(chr(10), 0, hit.start()) + 1}": hit.group()
        for path in sorted(DOCS.glob("*.md"))
        for text in [path.read_text()]
        for hit in marker.finditer(text)
    }
    assert "docs/language-api-contract.md" in " ".join(found), "the contract names the marker"
    assert {where: shown for where, shown in found.items() if shown != REDACTED} == {}
