"""`fdpctl run CONFIG [--dry-run] [--dirty]`: run a model job through fdpd.

The script's output is printed as it comes (stdout). A run that succeeded ends with a summary on
stderr: the job id, its code runs, each output (`ns:name@version` and its file) and input, and
the next command (`fdpctl commit JOB`). If the model fails (its script exits non-zero or a
signal kills it), fdpctl says how on stderr and exits 4 (MODEL_FAILED), whatever the script's own
status, so a model that exits 1, 2 or 3 is never taken for fdp's own failures: those (bad
config, missing input, registry down) print `fdpctl: ...` and exit 1 (3: fdpd unreachable). With
`--json` the last line is a `result` event (with the script's `exit_status`) or an `error` event.
A run cancelled by Ctrl-C or `fdpctl cancel` ends with an `error` event whose code is
`cancelled`, and exit status 130.
"""

from __future__ import annotations

import os
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.commands.status import Paint, item_count
from fdpctl.errors import MODEL_FAILED, SUCCESS
from fdpctl.render import print_fields
from fdpctl.streaming import Operation, run_operation

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator
    from typing import Any

    from fdpctl.transport import EventStream
    from fdpd.base.wire import ArrayResult, Event, RunDetached, RunDryRun, RunResult


# its answer: a run, a dry run, an array (`--array`), or fdpctl's own of `--detach`
RUN: Operation[RunResult | RunDryRun | ArrayResult | RunDetached] = Operation("POST", "/v1/run")


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "run",
        run,
        "run a model job from a user config",
        "Generate the working config, create the job folder, check the local registry, and "
        "run the script with this shell's environment plus the FDP_* variables. Exit status: "
        "0 if the model succeeded, 4 if it failed (fdpctl prints the script's exit status or "
        "signal), 1 with an `fdpctl:` message if fdp itself failed, 130 if the run was cancelled "
        "(Ctrl-C, or `fdpctl cancel`: the script's whole process group is stopped).",
    )
    parser.add_argument("config", help="the user config (config.yaml)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show the working config, environment (no token) and command; run nothing",
    )
    parser.add_argument(
        "--dirty",
        action="store_true",
        help="run with uncommitted changes (latest_commit gets a -dirty suffix)",
    )
    parser.add_argument(
        "--scheduler",
        choices=("local", "slurm"),
        help="where the job runs: local (a child process of fdpd) or slurm (submitted with "
        "sbatch; see On a cluster); default: `scheduler:` in fdpd's config.yaml, else local",
    )
    parser.add_argument(
        "--sbatch",
        action="append",
        default=[],
        metavar="ARG",
        help="an sbatch option for a SLURM job, e.g. --sbatch=--mem=4G (repeatable; after "
        "the `slurm:` defaults of fdpd's config.yaml)",
    )
    parser.add_argument(
        "--array",
        metavar="SPEC",
        help="an array sweep with SLURM: one job per task index (1-100, 1,3,5-9, %%N: at most "
        "N at once, as sbatch --array), ${{TASK}} in the config replaced by the index; "
        "`fdpctl commit array-N` commits every task that succeeded",
    )
    parser.add_argument(
        "--detach",
        action="store_true",
        help="return once a SLURM job is submitted (fdpd follows it on; `fdpctl log -f JOB` "
        "shows it, `fdpctl cancel JOB` stops it); a local run is followed to its end",
    )


# `fdpctl run CONFIG` with no options but these (and `--json`) is parsed without argparse
PLAIN_FLAGS = {"--dirty": "dirty", "--dry-run": "dry_run", "--detach": "detach"}


def plain_arguments(words: list[str]) -> dict[str, Any] | None:
    """What argparse makes of `fdpctl run WORDS` (`--json` taken out) when they are one config
    and options of `PLAIN_FLAGS`; None for anything else (argparse parses it: help, usage
    errors, abbreviations, the options with values)."""
    flags = dict.fromkeys(PLAIN_FLAGS.values(), False)
    configs = []
    for word in words:
        if word in PLAIN_FLAGS:
            flags[PLAIN_FLAGS[word]] = True
        elif word.startswith("-"):
            return None
        else:
            configs.append(word)
    if len(configs) != 1:
        return None
    return {"config": configs[0], **flags, "scheduler": None, "sbatch": [], "array": None}


def run(args: argparse.Namespace, inv: Invocation) -> int:
    body = {
        "config_path": os.path.abspath(args.config),
        "dirty": args.dirty,
        "dry_run": args.dry_run,
        "environment": dict(os.environ),
    }
    if args.scheduler:
        body["scheduler"] = args.scheduler
    if args.sbatch:
        body["sbatch"] = args.sbatch
    if args.array:
        body["array"] = args.array

    def until(stream: EventStream) -> RunEvents:
        return RunEvents(stream, detach=args.detach, as_json=inv.as_json)

    result = run_operation(inv, RUN, body, until)
    if "detached" in result:
        if not inv.as_json:
            _show_detached(result)
        return SUCCESS
    if "dry_run" in result:
        if not inv.as_json:
            _show_dry_run(result)
        return SUCCESS
    if "array" in result:
        if not inv.as_json:
            _show_array(result)
        return SUCCESS if result["ok"] else MODEL_FAILED
    status = int(result["exit_status"] or 0)
    if status == 0:
        if not inv.as_json:
            _show_summary(result)
        return SUCCESS
    if not inv.as_json:
        job, state = result["job"], result["state"]
        print(
            f"fdpctl: job {job} {state}: the model {describe(status)} (exit status "
            f"{MODEL_FAILED}: the model failed; `fdpctl log {job}` shows its output)",
            file=sys.stderr,
        )
    return MODEL_FAILED


def _show_summary(result: RunResult) -> None:
    """The job, what it made (outputs with their files), what it read, and the next command:
    on stderr, as fdpctl's other words about the run, so stdout stays the model's output."""
    out = sys.stderr
    paint = Paint(out)
    job = paint("job " + result["job"], "1")
    if result.get("records_pending"):
        print(
            f"{job} succeeded; fdp could not look at the local registry after it, so what it "
            "made is not recorded yet: fdp records it when the registry answers again "
            "(`fdpctl status` then lists it)",
            file=out,
        )
        return
    made = item_count({"items": result["items"], "records": result["records"]})
    print(f"{job} succeeded: {made}, local until committed", file=out)
    for uuid in result["code_runs"]:
        print(f"  code run {uuid}", file=out)
    rows = [("wrote", o["item"], o["file"]) for o in result["outputs"]]
    rows += [("read", i["item"], i["file"]) for i in result["inputs"]]
    width = max((len(item) for _, item, _ in rows), default=0)
    for verb, item, file in rows:
        shown = paint(item.ljust(width), "32")
        print(f"  {verb:<5} {shown}  {file or '(no local file)'}", file=out)
    if result["next"]:
        print(f"next: {result['next']}   (then fdpctl push)", file=out)
    elif not result["code_runs"]:
        print(
            "the script recorded no code run (it used no language API), so there is nothing "
            "to commit",
            file=out,
        )


class RunEvents:
    """A run's events as fdpctl shows them: where a batch system has the job (`submitted as
    SLURM job 812`, `queued`, `running on node17`) goes to stderr with fdpctl's other words, so
    stdout stays the model's output (with --json they are events like any other). With
    `detach`, the events end at the job's submission, with a `result` of fdpctl's own saying so;
    the run goes on in fdpd."""

    def __init__(self, stream: EventStream, *, detach: bool, as_json: bool) -> None:
        self.stream = stream
        self.operation = stream.operation
        self.detach = detach
        self.as_json = as_json

    def on_idle(self, callback: Callable[[], None], every: float) -> None:
        self.stream.on_idle(callback, every)

    def close(self) -> None:
        self.stream.close()

    def __iter__(self) -> Iterator[Event]:
        for event in self.stream:
            placed = event.get("type") == "progress" and "slurm_state" in event
            if placed and not self.as_json:
                print(event.get("message", ""), file=sys.stderr, flush=True)
            else:
                yield event
            if placed and self.detach and event.get("slurm_state") == "SUBMITTED":
                self.stream.close()
                detached: dict[str, Any] = {"detached": True, "operation": self.operation}
                detached |= {key: event.get(key) for key in ("job", "slurm_job")}
                yield {"type": "result", "result": detached}
                return


def _show_array(result: ArrayResult) -> None:
    """Each task's job and how it ended, the counts, and the one command that commits them."""
    out = sys.stderr
    counts = ", ".join(f"{n} {state}" for state, n in sorted(result["counts"].items()))
    print(f"{result['array']}: {len(result['tasks'])} tasks: {counts}", file=out)
    for task in result["tasks"]:
        said = task.get("job") or task.get("error", "")
        print(f"  task {task['task']:<5} {task['state']:<10} {said}", file=out)
    if result["next"]:
        print(f"next: {result['next']}   (then fdpctl push)", file=out)


def _show_detached(result: RunDetached) -> None:
    job = result["job"]
    print(
        f"job {job} submitted as SLURM job {result['slurm_job']}; fdpd follows it "
        f"(`fdpctl log -f {job}` shows it, `fdpctl cancel {job}` stops it)",
        file=sys.stderr,
    )


def describe(status: int) -> str:
    return f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"


def _show_dry_run(result: RunDryRun) -> None:
    print("# working config (not written)")
    sys.stdout.write(result["working_config"])
    print("# job")
    print_fields(
        [
            ("job folder", f"{result['job_folder']} (not created)"),
            ("command", " ".join(result["argv"])),
            ("working directory", result["cwd"]),
        ]
    )
    print("# environment: this shell's, plus")
    for name, value in result["environment"].items():
        print(f"{name}={value}")
