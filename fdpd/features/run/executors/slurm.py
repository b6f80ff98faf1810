"""Jobs on a SLURM cluster: `sbatch` submits a small job wrapper fdpd writes in the job folder,
`scontrol show job` says where the job is (queued and why, running on which node, how it ended),
`scancel` stops it; `sacct`, where the cluster keeps accounting, says how a job slurmctld has
forgotten ended when its wrapper could not say (its node died). Jobs go in with `--no-requeue`:
a node failure ends one NODE_FAIL instead of running its script again. The compute node needs
the job folder, the data store and the local registry's URL, as a local job does
(docs/cluster.md).

The job folder gets a `slurm/` folder (0700): `job.sh` (the wrapper), `token` (0600: the token
the wrapper exports as FDP_LOCAL_TOKEN, so the token is in no `sbatch` environment, `scontrol`
listing or accounting record; removed when the job has ended), `output.log` (what the script
printed, read as it grows; SLURM's own words go to `slurm.log`), `slurm_job` (SLURM's job id),
and, written by the wrapper on the node, `started` (node and time) and `exit_status` (the
script's own); `following` (SLURM's job id) until fdpd has seen the job end, so that the next
fdpd adopts a job an fdpd that stopped (or died) left queued or running (`adoption.py`)."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from fdpd.base.cancellation import OperationCancelled, abortable
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.wire import ProgressDetails
from fdpd.features.run.environment import ADDED_VARIABLES, TOKEN_VARIABLE
from fdpd.features.run.launch import Launch, Note
from fdpd.features.run.process import ScriptEnd

POLL = 0.25  # seconds between two looks at the job (one `scontrol` call, one read of its output)
COMMAND_TIMEOUT = 60.0  # seconds a SLURM command may take
CANCEL_CEILING = 120.0  # seconds to wait for a cancelled job to end
WAITING = {"PENDING", "CONFIGURING", "REQUEUED", "RESIZING", "SUSPENDED", "REQUEUE_HOLD"}
RUNNING = {"RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING"}
WHY = {
    "TIMEOUT": "it reached its time limit (--time)",
    "OUT_OF_MEMORY": "it ran out of memory (--mem)",
    "NODE_FAIL": "its node failed",
    "BOOT_FAIL": "its node failed to boot",
    "PREEMPTED": "it was preempted",
    "DEADLINE": "it passed its deadline",
    "CANCELLED": "it was cancelled (scancel)",
    "FAILED": "its script failed",
}
_FIELD = re.compile(r"(\w+)=(\S*)")
_MEMORY = re.compile(r"exceeded memory limit|oom-kill|out of memory", re.IGNORECASE)
_NOT_FOUND = ("Invalid job id", "not found")  # forgotten; a pending array task cancelled


@dataclass(frozen=True)
class SlurmOptions:
    """What every `sbatch` of a run gets: fdpd's defaults (`slurm:` in config.yaml), then the
    run's own `--sbatch` arguments (later ones win, as on sbatch's command line)."""

    partition: str = ""
    time: str = ""
    account: str = ""
    sbatch_args: tuple[str, ...] = ()

    def arguments(self) -> list[str]:
        named = [
            f"--{name}={value}"
            for name, value in (
                ("partition", self.partition),
                ("time", self.time),
                ("account", self.account),
            )
            if value
        ]
        return [*named, *self.sbatch_args]


# sbatch options fdpd sets itself (where the output goes, the environment, the folder), and
# arrays, which would run one job folder several times at once
RESERVED = {
    "--array": "it would run this one job several times at once (fdpctl run --array makes a job "
    "of each task)",
    "-a": "it would run this one job several times at once (fdpctl run --array makes a job of "
    "each task)",
    "--output": "fdpd reads the job's output from its job folder",
    "-o": "fdpd reads the job's output from its job folder",
    "--error": "fdpd reads the job's output from its job folder",
    "-e": "fdpd reads the job's output from its job folder",
    "--export": "the job gets the run's environment (--export=ALL)",
    "--chdir": "the job runs in the project folder, as a local one does",
    "-D": "the job runs in the project folder, as a local one does",
    "--wrap": "the job runs its config's script",
    "--requeue": "fdp records a job's script once: SLURM would run a requeued job again in the "
    "same job folder (fdp submits with --no-requeue, so a node failure ends the job NODE_FAIL)",
}
NO_REQUEUE = "--no-requeue"  # a node failure ends the job (NODE_FAIL), it does not run it again
NODE_STATES = {"NODE_FAIL", "BOOT_FAIL"}  # SLURM's reason (NodeDown...) goes with their warning
NO_RECORD = "SLURM no longer knows job {job} and it left no state"


def reserved_option(arguments: Sequence[str]) -> tuple[str, str] | None:
    """The first sbatch option fdpd does not let through, and why."""
    for argument in arguments:
        name = argument.split("=", 1)[0]
        if name in RESERVED:
            return argument, RESERVED[name]
        short = argument[:2]
        if short in RESERVED and not argument.startswith("--"):
            return argument, RESERVED[short]
    return None


@dataclass(frozen=True)
class _Answer:
    status: int
    out: str
    err: str

    def error_line(self) -> str:
        """SLURM's own words, without its `sbatch: error:` prefixes."""
        lines = [re.sub(r"^\w+: error: ", "", line) for line in self.err.splitlines() if line]
        return "; ".join(lines[-2:]) or self.out.strip() or f"exit status {self.status}"


class SlurmExecutor:
    """Jobs placed with sbatch on the cluster whose commands are on `path` (the run's PATH)."""

    name = "slurm"
    outlives_fdpd = True  # SLURM runs the job on when fdpd stops; the next fdpd adopts it

    def __init__(self, options: SlurmOptions, path: str | None, registry_url: str = "") -> None:
        self.options = options
        self.path = path
        self.registry_url = registry_url  # the one the job's working config names

    def tool(self, name: str) -> str:
        found = shutil.which(name, path=self.path)
        if found is None:
            raise FdpError(
                f"--scheduler slurm: `{name}` is not on PATH, so no job can be submitted",
                hint="run fdpctl on a login node of the cluster (or `module load slurm` first); "
                "`--scheduler local` runs the job on this machine",
                code=ErrorCode.NO_BATCH_SYSTEM,
            )
        return found

    async def check(self) -> None:
        """SLURM's commands are there, and sbatch takes the run's options (partition, account,
        time...): `sbatch --test-only` asks slurmctld without submitting anything."""
        tools = [self.tool(name) for name in ("sbatch", "scontrol", "scancel")]
        arguments = self.options.arguments()
        answer = await command([tools[0], "--test-only", *arguments, "--wrap", "true"])
        if answer.status != 0:
            shown = " ".join(shlex.quote(a) for a in arguments) or "(no options)"
            raise FdpError(
                f"SLURM refused the job's options {shown}: {answer.error_line()}",
                hint="check --sbatch and the `slurm:` keys of fdpd's config.yaml; `sinfo` lists "
                "the partitions; nothing was submitted",
                code=ErrorCode.SCHEDULER_REFUSED,
            )
        unreachable = registry_unreachable(self.registry_url, answer.err, socket.gethostname())
        if unreachable:
            raise FdpError(
                unreachable,
                hint="let the job run on this machine (--sbatch=--nodelist=HOST) or run fdpctl on "
                "a node SLURM places jobs on; see On a cluster (docs/cluster.md); nothing was "
                "submitted",
                code=ErrorCode.SCHEDULER_REFUSED,
            )

    async def run(self, launch: Launch, on_line: Callable[[str], None], on_note: Note) -> ScriptEnd:
        state = launch.folder / "slurm"
        wrapper = write_wrapper(state, launch)
        env = {name: value for name, value in launch.env.items() if name != TOKEN_VARIABLE}
        argv = [
            self.tool("sbatch"),
            "--parsable",
            f"--job-name=fdp-{launch.job_id[:12]}",
            f"--output={state / 'slurm.log'}",
            f"--chdir={launch.cwd}",
            "--export=ALL",
            NO_REQUEUE,
            *self.options.arguments(),
            str(wrapper),
        ]
        answer = await command(argv, env)
        if answer.status != 0:
            raise FdpError(
                f"sbatch refused job {launch.job_id}: {answer.error_line()}",
                hint="check --sbatch and the `slurm:` keys of fdpd's config.yaml",
                code=ErrorCode.SCHEDULER_REFUSED,
            )
        slurm_job = answer.out.strip().split(";")[0]
        on_note(
            f"job {launch.job_id} submitted as SLURM job {slurm_job}",
            {"slurm_job": slurm_job, "slurm_state": "SUBMITTED"},
        )
        return await follow_job(self, slurm_job, state, on_line, on_note, POLL)


async def follow_job(
    executor: SlurmExecutor,
    slurm_job: str,
    state: Path,
    on_line: Callable[[str], None],
    on_note: Note,
    poll: float,
) -> ScriptEnd:
    """Follow a submitted job to its end; a cancel of the operation `scancel`s it. When fdpd
    stops meanwhile, the job runs on: `following` and the token stay for the next fdpd, which
    adopts the job (`adoption.py`)."""
    (state / "slurm_job").write_text(slurm_job + "\n")
    (state / "following").write_text(slurm_job + "\n")  # gone once fdpd saw it end
    follower = _Follower(slurm_job, state, executor.tool("scontrol"), on_line, on_note, poll)
    follower.sacct = shutil.which("sacct", path=executor.path)
    scancel = [executor.tool("scancel"), slurm_job]
    try:
        end = await abortable(follower.to_the_end(), "while the SLURM job ran")
    except OperationCancelled:
        await command(scancel)
        follower.scancelled = True
        try:
            end = await asyncio.wait_for(follower.to_the_end(), CANCEL_CEILING)
        except TimeoutError:
            late = f"SLURM job {slurm_job} had not ended {CANCEL_CEILING:g} s after scancel"
            end = ScriptEnd(-signal.SIGTERM, stopped=True, reason=late)
        else:
            end = ScriptEnd(end.status or -signal.SIGTERM, stopped=True, reason=end.reason)
    # the job has read the token, or will never run: no token stays behind
    (state / "token").unlink(missing_ok=True)
    (state / "following").unlink(missing_ok=True)
    return end


def followed_job(job_folder: str) -> str | None:
    """SLURM's id of the job an earlier fdpd followed when it stopped (its `slurm/following`),
    or None: a job to adopt."""
    try:
        slurm_job = (Path(job_folder) / "slurm" / "following").read_text().strip()
    except OSError:
        return None
    return slurm_job if slurm_job.replace("_", "").isdigit() else None


def registry_unreachable(registry_url: str, test_only: str, hostname: str) -> str:
    """Why a job could not reach the registry, or "": a registry on a loopback address serves
    only jobs on this machine, and `sbatch --test-only` says where SLURM would start the job
    (`... on nodes node17,node18 in partition short`)."""
    host = urlsplit(registry_url).hostname or ""
    loopback = host == "localhost" or host.startswith("127.") or host == "::1"
    found = re.search(r" on nodes (\S+)", test_only)
    if not loopback or found is None:
        return ""
    here = {hostname, hostname.split(".")[0], "localhost"}
    nodes = found.group(1)
    if set(nodes.split(",")) <= here:
        return ""
    return (
        f"SLURM would start the job on {nodes}, but the local registry listens on {host} (this "
        "machine only): the job could not record its run"
    )


def job_variables(env: Mapping[str, str]) -> set[str]:
    """The variables fdp adds for one job (the token included): the wrapper exports them."""
    return {name for name in ADDED_VARIABLES if name in env}


def write_wrapper(state: Path, launch: Launch) -> Path:
    """The job folder's `slurm/` with the token (0600) and the wrapper SLURM runs."""
    state.mkdir(mode=0o700, exist_ok=True)
    token = state / "token"
    descriptor = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(launch.env.get(TOKEN_VARIABLE, ""))
    exports = {
        name: launch.env[name] for name in sorted(job_variables(launch.env) - {TOKEN_VARIABLE})
    }
    wrapper = state / "job.sh"
    wrapper.write_text(wrapper_text(state, launch.cwd, launch.argv, launch.job_id, exports))
    wrapper.chmod(0o700)
    return wrapper


def wrapper_text(
    state: Path, cwd: Path, argv: Sequence[str], job_id: str, exports: Mapping[str, str]
) -> str:
    """A bash script: say where it runs, send its output to the job folder, export the job's
    variables (the token from its file; an array task's index as FDP_TASK_ID), run the job's
    command in its working directory, keep its exit status in the job folder."""
    q = shlex.quote
    exported = "".join(f"export {name}={q(value)}\n" for name, value in exports.items())
    return f"""#!/bin/bash
# fdp job {job_id}: written by fdpd, run by SLURM on a compute node (docs/cluster.md)
state={q(str(state))}
if [ ! -d "$state" ]; then
    echo "fdp: the job folder $state is not on $(hostname): the compute nodes need the job" \\
        "folders and the data store on a filesystem they share" >&2
    exit 97
fi
exec >>"$state/output.log" 2>&1
printf '%s %s\\n' "$(hostname)" "$(date +%s)" >"$state/started"
{TOKEN_VARIABLE}=$(cat "$state/token") || exit 97
export {TOKEN_VARIABLE}
{exported}if [ -n "${{SLURM_ARRAY_TASK_ID:-}}" ]; then
    export FDP_TASK_ID="$SLURM_ARRAY_TASK_ID"
fi
cd {q(str(cwd))} || exit 97
{" ".join(q(part) for part in argv)} </dev/null
status=$?
echo "$status" >"$state/exit_status.new" && mv "$state/exit_status.new" "$state/exit_status"
exit "$status"
"""


class _Follower:
    """Follows one SLURM job to its end: its state changes as notes, its output as lines."""

    def __init__(
        self,
        slurm_job: str,
        state: Path,
        scontrol: str,
        on_line: Callable[[str], None],
        on_note: Note,
        poll: float = POLL,
    ) -> None:
        self.poll = poll
        self.scancelled = False  # fdpd cancelled it: a job SLURM then forgets never ran
        self.slurm_job = slurm_job
        self.state = state
        self.scontrol = scontrol
        self.on_line = on_line
        self.on_note = on_note
        self.offset = 0
        self.pending = b""
        self.last: tuple[str, str, str] | None = None
        self.sacct: str | None = None  # SLURM's accounting, asked when slurmctld forgot the job

    async def to_the_end(self) -> ScriptEnd:
        while True:
            fields = await self._look()
            self._read_output()
            if fields is None:  # slurmctld forgot it (MinJobAge): the wrapper's record says,
                fields = await self._accounted()  # else SLURM's accounting where there is one
                self._read_output(final=True)
                if fields is None:
                    return self._end("", "0:0")
            job_state = fields.get("JobState", "")
            reason = fields.get("Reason", "")
            self._say(job_state, reason, fields.get("NodeList", ""))
            if job_state and job_state not in WAITING | RUNNING:
                self._read_output(final=True)
                return self._end(job_state, fields.get("ExitCode", "0:0"), reason)
            await asyncio.sleep(self.poll)

    async def _accounted(self) -> dict[str, str] | None:
        """How `sacct` saw the job end, when the wrapper left no exit status (its node died
        before it could) and SLURM keeps accounting (else sacct says it is disabled): None
        when neither knows."""
        if self.sacct is None or _read_status(self.state / "exit_status") is not None:
            return None
        fields = "JobID,State,ExitCode,Reason"
        argv = [self.sacct, "-n", "-P", "-X", "-j", self.slurm_job, "-o", fields]
        answer = await command(argv)
        return accounted_end(answer.out, self.slurm_job) if answer.status == 0 else None

    async def _look(self) -> dict[str, str] | None:
        answer = await command([self.scontrol, "show", "job", "-o", self.slurm_job])
        if answer.status != 0:
            if any(words in answer.err + answer.out for words in _NOT_FOUND):
                return None
            return {}  # slurmctld did not answer this time: look again
        line = answer.out.splitlines()[0] if answer.out else ""
        return dict(_FIELD.findall(line))

    def _say(self, job_state: str, reason: str, nodes: str) -> None:
        if (job_state, reason, nodes) == self.last or not job_state:
            return
        self.last = (job_state, reason, nodes)
        fields: ProgressDetails = {"slurm_job": self.slurm_job, "slurm_state": job_state}
        if job_state in WAITING:
            why = f" ({reason})" if reason and reason != "None" else ""
            self.on_note(f"SLURM job {self.slurm_job} queued{why}", {**fields, "reason": reason})
        elif job_state in RUNNING:
            where = f"SLURM job {self.slurm_job} running on {nodes}"
            self.on_note(where, {**fields, "node": nodes})

    def _read_output(self, *, final: bool = False) -> None:
        try:
            with (self.state / "output.log").open("rb") as file:
                file.seek(self.offset)
                chunk = file.read()
        except FileNotFoundError:
            return
        self.offset += len(chunk)
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        if final and self.pending:
            lines.append(self.pending)
            self.pending = b""
        for line in lines:
            self.on_line(line.removesuffix(b"\r").decode("utf-8", errors="replace"))

    def _end(self, job_state: str, exit_code: str, slurm_reason: str = "") -> ScriptEnd:
        """How the job ended: the script's own exit status when the wrapper recorded it, else
        SLURM's (`ExitCode=status:signal`), with SLURM's state as the reason when it was not
        the script's own end."""
        recorded = _read_status(self.state / "exit_status")
        status = recorded if recorded is not None else _slurm_status(exit_code)
        if job_state == "COMPLETED":
            return ScriptEnd(status)
        # killed past --mem without cgroups: SLURM says FAILED, and why only in its log; the
        # wrapper may have recorded the killed script's status before it was killed too
        memory = _memory_words(self.state / "slurm.log")
        if memory:
            how = job_state or "without a record (slurmctld no longer knows it)"
            reason = f"SLURM job {self.slurm_job} ended {how}: {WHY['OUT_OF_MEMORY']}: {memory}"
            return ScriptEnd(status or 1, reason=reason)
        if job_state in ("", "FAILED") and recorded is not None:
            return ScriptEnd(status)
        if not job_state and self.scancelled and recorded is None:
            reason = f"SLURM job {self.slurm_job} was cancelled (scancel) before it started"
            return ScriptEnd(-signal.SIGTERM, stopped=True, reason=reason)
        if not job_state:
            return ScriptEnd(status or 1, reason=NO_RECORD.format(job=self.slurm_job))
        reason = f"SLURM job {self.slurm_job} ended {job_state}"
        if job_state in WHY:
            reason += f": {WHY[job_state]}"
        if job_state in NODE_STATES and slurm_reason not in ("", "None"):
            reason += f" ({slurm_reason})"
        if job_state == "CANCELLED":
            return ScriptEnd(status or -signal.SIGTERM, stopped=True, reason=reason)
        return ScriptEnd(status or 1, reason=reason)


def accounted_end(sacct: str, slurm_job: str) -> dict[str, str] | None:
    """`sacct -n -P -X -o JobID,State,ExitCode,Reason`'s line for `slurm_job` as `scontrol show
    job` names its fields (`CANCELLED by 1000` is CANCELLED), or None when it has none or the
    job had not ended."""
    for line in sacct.splitlines():
        parts = line.split("|")
        if len(parts) < 3 or parts[0] != slurm_job:
            continue
        job_state = parts[1].split(" ")[0]
        if not job_state or job_state in WAITING | RUNNING:
            return None
        reason = parts[3] if len(parts) > 3 else ""
        return {"JobState": job_state, "ExitCode": parts[2], "Reason": reason}
    return None


def _memory_words(path: Path) -> str:
    """SLURM's own words when it killed the job for its memory (slurmstepd's `exceeded memory
    limit` in the job's SLURM output), or ""."""
    try:
        with path.open("rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - 8192))
            tail = file.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    said = [line for line in tail.splitlines() if _MEMORY.search(line)]
    return re.sub(r"^\S+: error: ", "", said[0]).strip() if said else ""


def _slurm_status(exit_code: str) -> int:
    """`ExitCode=status:signal` as ScriptEnd says it: negative for a signal."""
    code, _, sig = exit_code.partition(":")
    if sig.isdigit() and int(sig):
        return -int(sig)
    return int(code) if code.isdigit() else 0


def _read_status(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


async def command(argv: Sequence[str], env: Mapping[str, str] | None = None) -> _Answer:
    """Run one SLURM command; its exit status and output (a missing program: status 127)."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env=dict(env) if env is not None else None,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        return _Answer(127, "", f"{argv[0]}: {error.strerror or error}")
    try:
        out, err = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return _Answer(124, "", f"{Path(argv[0]).name} did not answer in {COMMAND_TIMEOUT:g} s")
    status = process.returncode or 0
    return _Answer(status, out.decode(errors="replace"), err.decode(errors="replace"))
