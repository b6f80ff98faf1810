"""pyDataPipeline's own test suite against a real fdp set up as a user would, run in a private
network namespace (`unshare -n`), where the suite expects the local registry: localhost:8000.

    unshare -n python -m tests.users.pdp_suite JOB.json ANSWER.json

JOB: {"work": DIR, "source": the unpacked pyDataPipeline source, "username": the fdp user}.
Inside, in that order, with FDP_HOME (and HOME, where the suite reads ~/.fair/registry/token)
under `work`: `fdpd`, `fdpctl config USERNAME --data-store`, `fdpctl registry start` (the one
documented step that writes the token), then the suite with pytest (its coverage options left out:
pytest-cov is no dependency of fdp). ANSWER: {"steps": {step: [exit status, stderr]},
"results": {test id: "passed" | "failed" | "skipped"}}.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

from tests.faircli.oracle import _loopback_up
from tests.fdp_process import FdpInstance

PORT = 8000  # the suite's own `url` fixture: http://localhost:8000/api


def junit_results(report: Path) -> dict[str, str]:
    results: dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
        results[name] = outcome
    return results


def main(job_file: str, answer_file: str) -> None:
    job = json.loads(Path(job_file).read_text())
    work, source, username = Path(job["work"]), Path(job["source"]), job["username"]
    _loopback_up()
    home = work / "home"
    steps: dict[str, Any] = {}
    answer: dict[str, Any] = {"steps": steps, "results": {}}
    with FdpInstance(home, {"FDP_REGISTRY_PORT": str(PORT)}) as fdp:
        fdp.start_daemon()
        for step in (
            ("config", username, "--data-store", str(work / "store")),
            ("registry", "start"),
        ):
            done = fdp.run_fdpctl(*step, timeout=180)
            steps[" ".join(step[:1])] = [done.returncode, done.stderr[-2000:]]
            if done.returncode != 0:
                Path(answer_file).write_text(json.dumps(answer))
                return
        report = work / "junit.xml"
        pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts="]
        suite = subprocess.run(
            [*pytest, "-q", f"--junitxml={report}", "tests/"],
            cwd=source,
            env={**fdp.env, "HOME": str(home), "PYTHONPATH": str(source)},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        steps["pytest"] = [suite.returncode, suite.stdout[-4000:] + suite.stderr[-2000:]]
        if report.exists():
            answer["results"] = junit_results(report)
        fdp.run_fdpctl("registry", "stop")
        fdp.run_fdpctl("daemon", "stop")
    Path(answer_file).write_text(json.dumps(answer))


if __name__ == "__main__":
    os.umask(0o077)
    main(sys.argv[1], sys.argv[2])
