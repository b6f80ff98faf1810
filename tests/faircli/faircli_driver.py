"""Run inside FAIR-CLI 0.11.0's own venv (not fdp's): for each config, FAIR-CLI's verdict and the
reads and writes of its working config, as `fair run --dirty --local --rehearse CONFIG` makes
them (one FAIR session per config, in one process: no CLI start-up per case).

Input on stdin, JSON: {"project": DIR, "cases": [{"id": ID, "config": FILE}, ...]}, with HOME
already holding FAIR-CLI's configuration (~/.fair/cli/cli-config.yaml, the registry token).
Output on stdout, JSON: {ID: {"accepted": bool, "error": text, "read": [[ns, name, version]],
"write": [...], "patterns": {"read": [name], "write": [name]}}}.
"""

import contextlib
import io
import json
import os
import sys

import yaml
from fair.registry.server import SwitchMode
from fair.session import FAIR


def _entries(items):
    found, patterns = [], []
    for item in items or []:
        name = item.get("data_product", "")
        if "*" in name:
            patterns.append(name)  # FAIR-CLI keeps the pattern's own entry
            continue
        use = item.get("use", {})
        found.append([use.get("namespace"), use.get("data_product", name), str(use.get("version"))])
    return found, patterns


def _rehearse(project, config):
    """`fair run --dirty --local --rehearse CONFIG`, as its command does it (no registry
    start: the reference registry runs already); the job's files."""
    with FAIR(
        project, config, server_mode=SwitchMode.NO_SERVER, allow_dirty=True, local=True
    ) as session:
        session.run("", allow_dirty=True, local=True, rehearse=True)
        return session.rehearsal()


def verdict(project, config):
    os.chdir(project)
    quiet = io.StringIO()
    try:
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            files = _rehearse(project, config)
        with open(files["config"], encoding="utf-8") as handle:
            working = yaml.safe_load(handle)
    except Exception as exc:  # FAIR-CLI's verdict, whatever it raised
        return {"accepted": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    reads, read_patterns = _entries(working.get("read"))
    writes, write_patterns = _entries(working.get("write"))
    return {
        "accepted": True,
        "read": reads,
        "write": writes,
        "patterns": {"read": read_patterns, "write": write_patterns},
    }


def main():
    job = json.load(sys.stdin)
    out = {case["id"]: verdict(job["project"], case["config"]) for case in job["cases"]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
