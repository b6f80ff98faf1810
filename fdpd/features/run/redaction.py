"""Tokens out of a job's captured output, before it is stored, streamed or shown.

Language APIs print their token at their most verbose: rDataPipeline's `httr` calls with
`verbose()` print the `Authorization: token ...` header, the C++ API logs `FDP API Token: ...`
and `Adding token: ...`. fdpd knows the tokens it handed the job, so each is replaced wherever it
appears, and so is the value of any Authorization header (a token fdpd did not hand out)."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"
_MIN_SECRET = 8  # shorter strings would blank ordinary words; fdp's tokens are 40+ characters
_AUTHORIZATION = re.compile(
    r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?(?:(?:token|bearer|basic)\s+)?)[^\s\"',;]+"
)


class Redactor:
    """`redactor(line)`: the line with every known secret and Authorization value replaced."""

    def __init__(self, secrets: Iterable[str]) -> None:
        known = sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, known))) if known else None

    def __call__(self, line: str) -> str:
        if self._secrets is not None:
            line = self._secrets.sub(REDACTED, line)
        return _AUTHORIZATION.sub(lambda m: m.group(1) + REDACTED, line)
