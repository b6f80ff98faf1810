"""Where a job runs: the executors behind `fdpd.features.run.launch.Executor`, chosen per run
(`--scheduler`, else `scheduler:` in fdpd's config.yaml). `local` is a child process of fdpd
(`fdpd.features.run.launch.LocalExecutor`); `slurm` submits it with sbatch (`slurm.py`). Another
scheduler (PBS, Kubernetes Jobs) is one more module here and one more name in `SCHEDULERS`;
`fdpd.features.run` does not change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.settings import SCHEDULERS, DaemonSettings
from fdpd.features.run.executors.array import ArraySpec, parse_array
from fdpd.features.run.executors.slurm import SlurmExecutor, SlurmOptions, reserved_option
from fdpd.features.run.launch import Executor, LocalExecutor


def executor_for(
    scheduler: str | None,
    settings: DaemonSettings,
    *,
    sbatch: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
) -> Executor:
    """The executor a run asks for (None: fdpd's default); `sbatch` arguments only with SLURM."""
    name = scheduler or settings.scheduler
    if name not in SCHEDULERS:
        raise FdpError(
            f"unknown scheduler {name!r}",
            hint=f"choose one of: {', '.join(SCHEDULERS)}",
            code=ErrorCode.NO_BATCH_SYSTEM,
        )
    if name == "local":
        if sbatch:
            raise FdpError(
                "--sbatch needs --scheduler slurm (this run is local)",
                hint="add --scheduler slurm, or set `scheduler: slurm` in fdpd's config.yaml",
                code=ErrorCode.USAGE,
            )
        return LocalExecutor()
    defaults = settings.slurm
    reserved = reserved_option([*defaults.sbatch_args, *sbatch])
    if reserved is not None:
        option, why = reserved
        raise FdpError(
            f"sbatch option {option} is not for fdp's SLURM jobs: {why}",
            hint="leave it out of --sbatch and of `slurm: sbatch_args` in fdpd's config.yaml",
            code=ErrorCode.USAGE,
        )
    options = SlurmOptions(
        partition=defaults.partition,
        time=defaults.time,
        account=defaults.account,
        sbatch_args=(*defaults.sbatch_args, *sbatch),
    )
    return SlurmExecutor(options, (environment or {}).get("PATH"), settings.registry.url)


def array_request(text: str | None, executor: Executor, dry_run: bool) -> ArraySpec | None:
    """The run's `--array`, checked: SLURM only, and not with --dry-run."""
    if text is None:
        return None
    if not isinstance(executor, SlurmExecutor):
        raise FdpError(
            "--array needs --scheduler slurm (this run is local)",
            hint="add --scheduler slurm, or set `scheduler: slurm` in fdpd's config.yaml",
            code=ErrorCode.USAGE,
        )
    if dry_run:
        raise FdpError(
            "--dry-run shows one job, not an array",
            hint="leave out --array (and write the index in place of ${{TASK}}) to see a task",
            code=ErrorCode.USAGE,
        )
    return parse_array(text)


__all__ = [
    "SCHEDULERS",
    "SlurmExecutor",
    "SlurmOptions",
    "array_request",
    "executor_for",
]
