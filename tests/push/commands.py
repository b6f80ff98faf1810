"""What the push tests ask of an fdp user's machine, whichever way fdpctl reaches fdpd:
`SiteCommands` holds the commands once, and `tests/push/in_process.py`'s and
`tests/push/processes.py`'s `Site` each give `fdpctl`. Nothing here starts a process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fdp_process import json_lines
from tests.fdpctl_in_process import Finished


class SiteCommands:
    def fdpctl(
        self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> Finished:
        raise NotImplementedError

    def ok(self, *args: str, **kwargs: Any) -> str:
        result = self.fdpctl(*args, **kwargs)
        assert result.returncode == 0, f"fdpctl {' '.join(args)}: {result.stdout}{result.stderr}"
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok("--json", *args))

    def stream_result(self, *args: str) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
        """Run a streaming command with --json: exit status, final event, all events."""
        result = self.fdpctl("--json", *args)
        events = json_lines(result.stdout)
        return result.returncode, events[-1] if events else {}, events

    def run_model(self, project: Path, config: str, **env: str) -> dict[str, Any]:
        """`fdpctl run`; the job as fdpd recorded it."""
        result = self.fdpctl("run", config, cwd=project, env=env)
        job_id = self.json("log")["jobs"][0]["id"]
        job: dict[str, Any] = self.json("log", job_id)
        job["exit_status"] = result.returncode
        job["output"] = result.stdout + result.stderr
        return job

    def status_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = self.json("status")["items"]
        return counts
