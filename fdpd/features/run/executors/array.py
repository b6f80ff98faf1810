"""Array sweeps: `fdpctl run CONFIG --scheduler slurm --array 1-100%10`.

Every task is an fdp job of its own (its own job folder, working config, versions, code run and
outputs), prepared as any run is, from the config with `${{TASK}}` replaced by the task's index.
The tasks' jobs run in one operation; each hands its launch to the array (`SlurmArray.enlist`)
instead of submitting it, and once every task has enlisted (or ended before it could: a refused
task), the array submits ONE `sbatch --array` whose script starts each task's own wrapper. Each
task then follows its own SLURM task (`ARRAY_INDEX`) as a single job does, and is recorded as one.
The array's id (`array-<operation id>`) names them all: `fdpctl commit array-17` commits every
task that succeeded.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fdpd.base.cancellation import OperationCancelled, abortable
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.wire import ArrayResult, ArrayTaskResult, ProgressDetails
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.run import ConfigSource, RunRequest, run_job
from fdpd.features.run.executors.slurm import (
    NO_REQUEUE,
    SlurmExecutor,
    command,
    follow_job,
    job_variables,
    write_wrapper,
)
from fdpd.features.run.launch import Launch, Note
from fdpd.features.run.process import ScriptEnd

TASK_TEMPLATE = "${{TASK}}"
MAX_TASKS = 10000  # SLURM's default MaxArraySize is 1001; a site may allow more
_RANGE = re.compile(r"(\d+)(?:-(\d+)(?::(\d+))?)?")


@dataclass(frozen=True)
class ArraySpec:
    """`1-100%10`, `1,3,5-9:2`: the task indexes, and how many may run at once."""

    text: str
    ids: tuple[int, ...]
    limit: int | None = None

    @property
    def sbatch(self) -> str:
        return self.text


def parse_array(text: str) -> ArraySpec:
    """An sbatch `--array` value; a clear error for anything else."""
    body, _, limit_text = text.strip().partition("%")
    ids: list[int] = []
    for part in body.split(","):
        found = _RANGE.fullmatch(part.strip())
        if found is None:
            raise _bad(text, f"{part.strip() or 'an empty part'} is not N, N-M or N-M:STEP")
        first = int(found.group(1))
        last = int(found.group(2) or first)
        step = int(found.group(3) or 1)
        if last < first or step < 1:
            raise _bad(text, f"{part.strip()} is an empty range")
        indexes = range(first, last + 1, step)
        if len(ids) + len(indexes) > MAX_TASKS:  # counted before any list is made
            raise _bad(text, f"more than {MAX_TASKS} tasks")
        ids += indexes
    if len(set(ids)) != len(ids):
        raise _bad(text, "a task index is given twice")
    if limit_text and not (limit_text.isdigit() and int(limit_text) > 0):
        raise _bad(text, f"%{limit_text} is not a number of tasks at once")
    return ArraySpec(text.strip(), tuple(ids), int(limit_text) if limit_text else None)


def _bad(text: str, why: str) -> FdpError:
    return FdpError(
        f"--array {text}: {why}",
        hint="give task indexes as sbatch takes them: 1-100, 1,3,5-9, 0-99:3, and %N to run at "
        "most N at once (1-100%10)",
        code=ErrorCode.USAGE,
    )


class SlurmArray:
    """The tasks of one array: their wrappers as they enlist, then one `sbatch --array`."""

    def __init__(self, executor: SlurmExecutor, spec: ArraySpec) -> None:
        self.executor = executor
        self.spec = spec
        self.wrappers: dict[int, Path] = {}
        self.settled: set[int] = set()
        self.environment: dict[str, str] = {}
        self.submission: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.submitting = False

    def task(self, index: int) -> ArrayTask:
        return ArrayTask(self, index)

    async def enlist(self, index: int, wrapper: Path, environment: dict[str, str]) -> str:
        """Add task `index`; SLURM's array job id once the array is submitted."""
        self.wrappers[index] = wrapper
        self.environment = self.environment or environment
        await self.settle(index)
        return await asyncio.shield(self.submission)

    def withdraw(self, index: int) -> None:
        """Task `index` was cancelled before the array was submitted: it does not run."""
        self.wrappers.pop(index, None)

    async def settle(self, index: int) -> None:
        """Task `index` has enlisted, or ended without (refused, failed to prepare)."""
        self.settled.add(index)
        if len(self.settled) < len(self.spec.ids) or self.submitting:
            return
        self.submitting = True
        if not self.wrappers:
            self.submission.cancel()  # no task to run: nothing is submitted
            return
        try:
            self.submission.set_result(await self._submit())
        except FdpError as error:
            self.submission.set_exception(error)

    async def _submit(self) -> str:
        folder = self.wrappers[min(self.wrappers)].parent  # the first task's slurm/
        dispatcher = folder / "array.sh"
        cases = "".join(
            f"    {index}) exec {shlex.quote(str(path))} ;;\n"
            for index, path in sorted(self.wrappers.items())
        )
        dispatcher.write_text(
            "#!/bin/bash\n# an fdp array: each task runs its own job's wrapper (written by fdpd)\n"
            f'case "$SLURM_ARRAY_TASK_ID" in\n{cases}'
            '    *) echo "fdp: task $SLURM_ARRAY_TASK_ID was not prepared" >&2; exit 97 ;;\n'
            "esac\n"
        )
        dispatcher.chmod(0o700)
        indexes = ",".join(str(index) for index in sorted(self.wrappers))
        limit = f"%{self.spec.limit}" if self.spec.limit else ""
        argv = [
            self.executor.tool("sbatch"),
            "--parsable",
            "--job-name=fdp-array",
            f"--output={folder / 'array-%a.log'}",
            f"--array={indexes}{limit}",
            "--export=ALL",
            NO_REQUEUE,
            *self.executor.options.arguments(),
            str(dispatcher),
        ]
        answer = await command(argv, self.environment)
        if answer.status != 0:
            raise FdpError(
                f"sbatch refused the array: {answer.error_line()}",
                hint="check --array, --sbatch and the `slurm:` keys of fdpd's config.yaml",
                code=ErrorCode.SCHEDULER_REFUSED,
            )
        return answer.out.strip().split(";")[0]


class ArrayTask:
    """One task's executor: enlist in the array, then follow its own SLURM task."""

    name = "slurm"
    outlives_fdpd = True

    def __init__(self, array: SlurmArray, index: int) -> None:
        self.array = array
        self.index = index

    async def check(self) -> None:
        return None  # the array's executor checked once, for all tasks

    async def run(self, launch: Launch, on_line: Callable[[str], None], on_note: Note) -> ScriptEnd:
        state = launch.folder / "slurm"
        wrapper = write_wrapper(state, launch)
        environment = {k: v for k, v in launch.env.items() if k not in job_variables(launch.env)}
        try:
            array_job = await abortable(
                self.array.enlist(self.index, wrapper, environment), "before the array started"
            )
        except OperationCancelled:
            self.array.withdraw(self.index)
            (state / "token").unlink(missing_ok=True)
            return ScriptEnd(-15, stopped=True, reason="cancelled before the array was submitted")
        except (FdpError, asyncio.CancelledError):
            (state / "token").unlink(missing_ok=True)
            raise
        slurm_job = f"{array_job}_{self.index}"
        fields: ProgressDetails = {
            "slurm_job": slurm_job,
            "slurm_state": "SUBMITTED",
            "task": self.index,
        }
        on_note(f"job {launch.job_id} submitted as SLURM job {slurm_job}", fields)
        poll = min(5.0, 0.25 * max(1, len(self.array.wrappers) // 4))
        tagged = f"[task {self.index}] "  # the tasks' lines interleave in the array's output

        def task_line(line: str) -> None:
            on_line(tagged + line)

        return await follow_job(self.array.executor, slurm_job, state, task_line, on_note, poll)


def with_task(source: ConfigSource, index: int) -> ConfigSource:
    """The user config of task `index`: `${{TASK}}` replaced by the index."""
    return replace(source, text=source.text.replace(TASK_TEMPLATE, str(index)))


async def run_array(
    ctx: DaemonContext,
    request: RunRequest,
    spec: ArraySpec,
    executor: SlurmExecutor,
    emitter: Emitter,
) -> ArrayResult:
    """Run every task of the array as its own job; the array's result (tasks, counts, next)."""
    array = SlurmArray(executor, spec)

    async def one(index: int) -> Any:
        task = replace(request, source=with_task(request.source, index), executor=array.task(index))
        try:
            return await run_job(ctx, task, emitter)
        finally:
            await array.settle(index)

    outcomes = await asyncio.gather(*(one(i) for i in spec.ids), return_exceptions=True)
    array_id = f"array-{emitter.operation_id}"
    tasks: list[ArrayTaskResult] = []
    cancelled = 0
    for index, outcome in zip(spec.ids, outcomes, strict=True):
        if isinstance(outcome, dict):
            tasks.append(
                {
                    "task": index,
                    "job": outcome["job"],
                    "state": outcome["state"],
                    "exit_status": outcome.get("exit_status"),
                    "code_runs": outcome.get("code_runs", []),
                }
            )
        elif isinstance(outcome, OperationCancelled):
            cancelled += 1
            tasks.append({"task": index, "state": "cancelled", "error": str(outcome.detail)})
        elif isinstance(outcome, FdpError):
            tasks.append({"task": index, "state": "refused", "error": outcome.message})
        elif isinstance(outcome, BaseException):
            raise outcome
    if cancelled:
        raise OperationCancelled(
            "while the array ran",
            f"{array_id}: {cancelled} of its {len(tasks)} tasks were cancelled; what they "
            "registered is recorded as failed",
        )
    counts: dict[str, int] = {}
    for task in tasks:
        counts[task.get("state", "")] = counts.get(task.get("state", ""), 0) + 1
    succeeded = [t for t in tasks if t.get("state") == "succeeded"]
    return {
        "array": array_id,
        "tasks": tasks,
        "counts": counts,
        "ok": len(succeeded) == len(tasks),
        "exit_status": 0 if len(succeeded) == len(tasks) else 1,
        "next": f"fdpctl commit {array_id}" if any(t.get("code_runs") for t in succeeded) else "",
    }
