"""A new user's first hour in the terminal, with fdpctl's code, fdp in process and a real
pyDataPipeline model (issue 21, item 6; tests/push/in_process.py): what `pull` registered is in
`status`; a missing input's hint is said once; `log` says who ran a job and how a failed run
ended; an item is ITEM."""

from __future__ import annotations

import re
from pathlib import Path

from tests.push.in_process import Site, ana, remote

__all__ = ["ana", "remote"]  # in process: tests/push/in_process.py

REGISTERED = "hydromet:flow/gauge-readings@1.0.0"


def register_config(source: Path) -> str:
    return f"""\
run_metadata:
  description: registers the gauge readings
  script: python3 model.py
register:
  - namespace: hydromet
    full_name: Hydrometric readings
  - data_product: flow/gauge-readings
    namespace_name: hydromet
    root: {source.as_uri()}/
    path: readings.csv
    file_type: csv
    version: "1.0.0"
"""


def test_status_lists_what_pull_registered_until_a_commit_takes_it(ana: Site) -> None:
    source = ana.root / "source"
    source.mkdir()
    (source / "readings.csv").write_text("station,flow\nAberdeen,3.5\n")
    project = ana.project("gauges", {"config.yaml": register_config(source)})
    assert "Nothing to commit or push." in ana.ok("status")

    ana.ok("pull", "config.yaml", cwd=project)
    shown = ana.ok("status")

    assert "Nothing to commit or push." not in shown
    assert shown.startswith("Local only, not committed: 1 item ("), shown
    assert re.search(rf"^    {re.escape(REGISTERED)}  registered by fdpctl pull$", shown, re.M)
    assert "next: fdpctl commit ITEM" in shown
    assert ana.json("status")["counts"]["local"]["items"] == 1

    ana.ok("commit", REGISTERED)
    committed = ana.ok("status")
    assert committed.startswith("Committed, to be pushed: 1 item ("), committed
    assert "Local only" not in committed and committed.count(REGISTERED) == 1

    ana.ok("uncommit", REGISTERED)  # back to local, and tracked now
    ana.ok("delete", "--force", REGISTERED)
    assert REGISTERED not in ana.ok("status")  # deleted: no longer listed


def test_a_missing_input_says_to_pull_once(ana: Site) -> None:
    config = """\
run_metadata:
  description: reads what is not here
  script: python3 model.py
read:
  - data_product: nothere/thing
write:
  - data_product: out
    file_type: csv
"""
    project = ana.project("missing", {"config.yaml": config})

    ran = ana.fdpctl("run", "config.yaml", cwd=project)

    assert ran.returncode == 1
    assert "is not in the local registry" in ran.stderr
    assert ran.stderr.count("fdpctl pull") == 1, ran.stderr
    assert "  hint: run `fdpctl pull CONFIG`" in ran.stderr


def test_log_says_who_ran_each_job_and_how_a_failed_run_ended(ana: Site) -> None:
    config = """\
run_metadata:
  description: fails
  script: python3 model.py
write:
  - data_product: out
    file_type: csv
"""
    project = ana.project("failing", {"config.yaml": config})
    failed = ana.fdpctl("run", "config.yaml", cwd=project, env={"MODEL_FAIL": "3"})
    assert failed.returncode == 4, failed.stderr
    job = ana.json("log")["jobs"][0]["id"]

    shown = ana.ok("log")

    [run_row] = [line for line in shown.splitlines() if re.search(r"\bfailed +run\b", line)]
    assert run_row.rstrip().endswith(f"the model exited with status 3 (job {job})"), shown
    header, row = [line for line in shown.splitlines() if line.startswith(("JOB ", job))]
    assert header.split() == ["JOB", "STATE", "EXIT", "USER", "CONFIG"]
    assert row.split()[:4] == [job, "failed", "3", "ana"]


def test_push_with_nothing_committed_names_an_item_not_a_token(ana: Site) -> None:
    pushed = ana.fdpctl("push")

    assert "fdpctl commit ITEM|PATH" in pushed.stdout + pushed.stderr
    assert "TOKEN" not in pushed.stdout + pushed.stderr
