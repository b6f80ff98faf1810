"""No token in a job's captured output: what the model prints is stored, streamed and shown with
the token fdpd handed it, and any Authorization header value, replaced (issue #11: rDataPipeline's
`httr` verbose() prints `Authorization: token ...`; the C++ API logs `FDP API Token: ...`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fdpd.features.run.redaction import REDACTED, Redactor
from tests.run.conftest import Fdp, last_job_id, make_project

# What the language APIs print at their most verbose, the token taken from the job's environment.
LEAKY_SCRIPT = """\
    echo "-> Authorization: token $FDP_LOCAL_TOKEN"
    echo "[info] FDP API Token: $FDP_LOCAL_TOKEN"
    echo "Adding token: $FDP_LOCAL_TOKEN"
    echo "authorization: Bearer someone-elses-secret-value"
    echo "plain line"
"""


def test_a_job_printing_its_token_is_stored_and_shown_redacted(fdp: Fdp, tmp_path: Path) -> None:
    text = f"run_metadata:\n  description: leaky\n  script: |\n{LEAKY_SCRIPT}"
    project = make_project(tmp_path / "leaky", {"config.yaml": text})
    token = fdp.token()
    run = fdp.fdpctl("run", "config.yaml", cwd=project)
    assert run.returncode == 0, run.stderr
    job_id = last_job_id(fdp)
    stored = fdp.get(f"/v1/jobs/{job_id}/log")["lines"]
    shown = fdp.fdpctl("log", job_id).stdout
    for output in (run.stdout + run.stderr, "\n".join(stored), shown):
        assert token not in output
        assert "someone-elses-secret-value" not in output
    assert stored == [
        f"-> Authorization: token {REDACTED}",
        f"[info] FDP API Token: {REDACTED}",
        f"Adding token: {REDACTED}",
        f"authorization: Bearer {REDACTED}",
        "plain line",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Authorization: token abcdef0123456789", f"Authorization: token {REDACTED}"),
        ('{"Authorization": "Bearer xyz.abc"}', f'{{"Authorization": "Bearer {REDACTED}"}}'),
        ("AUTHORIZATION=Basic dXNlcjpwYXNz", f"AUTHORIZATION=Basic {REDACTED}"),
        ("url?token=0123456789abcdef0123 and more", f"url?token={REDACTED} and more"),
        ("no secret here", "no secret here"),
        ("the word token alone", "the word token alone"),
    ],
)
def test_redactor_lines(line: str, expected: str) -> None:
    assert Redactor(["0123456789abcdef0123", "short"])(line) == expected
