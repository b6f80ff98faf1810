"""Where a job's script runs: the one interface a run uses (`Executor`), and the local executor,
a child process of fdpd (`process.run_script`).

A run hands its executor a `Launch` (the job's folder, argv, working directory and environment,
the token included) and two callbacks: `on_line` for each line the script prints, `on_note` for
what the executor has to say about where the job is (queued, running on a node). The executor
returns how the script ended (`ScriptEnd`); a cancel of the operation reaches it as
`OperationCancelled` inside `abortable`, as for `run_script`. Other executors (SLURM:
`fdpd.features.run.executors`) implement the same two methods; the jobs package knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fdpd.base.wire import ProgressDetails
from fdpd.features.run.process import ScriptEnd, run_script

Note = Callable[[str, ProgressDetails], None]  # a message, and fields for the event


@dataclass(frozen=True)
class Launch:
    job_id: str
    folder: Path
    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]  # FDP_LOCAL_TOKEN included: an executor keeps it out of any listing


class Executor(Protocol):
    name: str
    # True when the job runs on after fdpd stops (a batch system's): the journal keeps it
    # `running` for the next fdpd to adopt, instead of recording it interrupted
    outlives_fdpd: bool

    async def check(self) -> None:
        """Raise a clear FdpError if jobs cannot be placed here (before anything is prepared)."""

    async def run(self, launch: Launch, on_line: Callable[[str], None], on_note: Note) -> ScriptEnd:
        """Run the job's script to its end (or until the operation is cancelled)."""


class LocalExecutor:
    """The script as a child process of fdpd, in a process group of its own."""

    name = "local"
    outlives_fdpd = False  # fdpd stops its scripts when it stops

    async def check(self) -> None:
        return None

    async def run(self, launch: Launch, on_line: Callable[[str], None], on_note: Note) -> ScriptEnd:
        return await run_script(launch.argv, launch.cwd, launch.env, on_line)
