"""What the pull tests ask of ana's fdp, whichever way fdpctl reaches fdpd: `FdpCommands` holds
the commands once, and `tests/pull/in_process.py`'s and `tests/pull/processes.py`'s `Fdp` each
give the ways in (`fdpctl`, `local`, `job_config`). Nothing here starts a process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fdp_process import json_lines
from tests.fdpctl_in_process import Finished


class FdpCommands:
    root: Path

    @property
    def store(self) -> Path:
        return self.root / "store"

    def fdpctl(
        self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> Finished:
        raise NotImplementedError

    def local(self, table: str, **params: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def ok(self, *args: str, cwd: Path | None = None) -> str:
        result = self.fdpctl(*args, cwd=cwd)
        assert result.returncode == 0, f"fdpctl {' '.join(args)}:\n{result.stdout}{result.stderr}"
        return result.stdout

    def stream(self, *args: str, cwd: Path | None = None) -> tuple[int, list[dict[str, Any]]]:
        """A streaming command with --json: exit status and every event."""
        result = self.fdpctl("--json", *args, cwd=cwd)
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, json_lines(result.stdout)

    def pull(self, config: Path, *args: str) -> dict[str, Any]:
        """`fdpctl pull` that must succeed; its result."""
        status, events = self.stream("pull", str(config), *args)
        assert status == 0, events[-3:]
        assert events[-1]["type"] == "result", events[-1]
        result: dict[str, Any] = events[-1]["result"]
        return result

    def versions(self, namespace: str, name: str) -> list[str]:
        found = self.local("namespace", name=namespace)
        if not found:
            return []
        ns_id = found[0]["url"].rstrip("/").rsplit("/", 1)[1]
        return sorted(p["version"] for p in self.local("data_product", namespace=ns_id, name=name))
