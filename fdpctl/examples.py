"""Two or three examples for each command's `--help`, as git gives them: the one table, by
command path; `fdpctl.cli.add_command` puts a command's under `examples:` in its help. A test
checks that every command has some and that each parses with fdpctl's own parser."""

from __future__ import annotations

JOB = "2025-03-05_14_02_11_123456"
EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "cancel": (
        (f"fdpctl cancel {JOB[:13]}", "stop the run of the job with this id prefix"),
        ("fdpctl cancel 42 --no-wait", "ask operation 42 to stop; do not wait"),
    ),
    "commit": (
        (f"fdpctl commit {JOB}", "commit a job's code runs and their provenance"),
        ("fdpctl commit ana:flow/station-mean@0.0.1", "commit a data product and its run"),
        ("fdpctl commit --force 8091cb3e", "commit a failed job's code run, by uuid prefix"),
    ),
    "completion": (
        ("fdpctl completion bash", "print the bash script (source <(fdpctl completion bash))"),
        ("fdpctl completion zsh", "print the zsh script"),
    ),
    "config": (
        ("fdpctl config ana --data-store ~/fdp-data --name 'Ana Example'", "set up user ana"),
        ("fdpctl config bob", "switch to user bob, set up before"),
        ("fdpctl config", "list the users"),
    ),
    "daemon check": (("fdpctl daemon check", "check fdp's folders, journal and disk space"),),
    "daemon start": (("fdpctl daemon start", "start fdpd in the background"),),
    "daemon status": (
        ("fdpctl daemon status", "is fdpd running, where, since when"),
        ("fdpctl --json daemon status", "the same as JSON (its socket too)"),
    ),
    "daemon stop": (("fdpctl daemon stop", "stop fdpd and wait until it has stopped"),),
    "delete": (
        ("fdpctl delete --dry-run ana:flow/station-mean@0.0.1", "what deleting would remove"),
        (f"fdpctl delete --force {JOB}", "delete a job that was never pushed, and its folder"),
    ),
    "gc": (
        ("fdpctl gc --dry-run", "what gc would remove; remove nothing"),
        ("fdpctl gc --files --remote origin", "remove what origin holds, with the files"),
    ),
    "generate": (
        ("fdpctl generate config.yaml", "print the working config a run would use"),
        ("fdpctl generate config.yaml -o working.yaml", "write it to working.yaml"),
    ),
    "info": (
        ("fdpctl info ana:flow/station-mean@0.0.1", "who made it, from what, with which code"),
        ("fdpctl info ana:flow/station-mean@0.0.1 --graph provenance.svg", "draw it as well"),
        (f"fdpctl info {JOB[:10]}", "a job, by a unique id prefix"),
    ),
    "init": (
        ("fdpctl init", "write a starter config.yaml here"),
        ("fdpctl init --force", "overwrite an existing config.yaml"),
    ),
    "log": (
        ("fdpctl log", "the latest operations and jobs"),
        (f"fdpctl log {JOB[:13]}", "what the job's script printed"),
        ("fdpctl log --follow", "every event as it happens (Ctrl-C stops)"),
    ),
    "pull": (
        ("fdpctl pull config.yaml", "register the config's sources, pull its inputs"),
        ("fdpctl pull config.yaml --remote team --with-provenance", "with the runs that made them"),
    ),
    "push": (
        ("fdpctl push --dry-run", "list what would be published"),
        ("fdpctl push", "push what is committed to origin"),
        ("fdpctl push --remote team", "to the remote named team"),
    ),
    "registry open": (
        ("fdpctl registry open", "open the local registry's web view, signed in"),
        ("fdpctl registry open --no-browser", "only print its URL"),
    ),
    "registry start": (("fdpctl registry start", "keep the local registry running"),),
    "registry status": (("fdpctl registry status", "its URL, pid, holders and uptime"),),
    "registry stop": (("fdpctl registry stop", "let the local registry stop"),),
    "remote add": (
        (
            "fdpctl remote add origin https://fdp.example.org/api/ --token-file ~/.fdp-token",
            "add the team registry as origin",
        ),
        (
            "fdpctl remote add mirror https://m.example.org/api/ --token-file t --no-check",
            "add it without contacting it now",
        ),
    ),
    "remote list": (("fdpctl remote list", "the remotes and their token files"),),
    "remote remove": (("fdpctl remote remove mirror", "forget remote mirror"),),
    "run": (
        ("fdpctl run config.yaml", "run the model; its outputs stay local until committed"),
        ("fdpctl run --dry-run config.yaml", "show the working config and command; run nothing"),
        ("fdpctl run --scheduler slurm --array 1-10%4 config.yaml", "10 SLURM tasks, 4 at once"),
    ),
    "rerun": (
        ("fdpctl rerun ana:flow/station-mean@0.0.1", "run the run that made it again; compare"),
        ("fdpctl rerun --keep 3f2a9c", "keep the rerun as a new code run"),
        ("fdpctl rerun --script-only 2025-03-05_14_07", "the recorded script alone, no code"),
    ),
    "schedule": (
        ("fdpctl schedule", "when fdpd last checked for updates, and next will"),
        ("fdpctl --json schedule", "the same as JSON"),
    ),
    "status": (
        ("fdpctl status", "what is local, committed, pushed and pulled"),
        ("fdpctl status --all", "every item by name, pushed and pulled ones too"),
        ("fdpctl status ana:flow/station-mean@0.0.1", "one item: state, remote, file"),
    ),
    "uncommit": (
        ("fdpctl uncommit ana:flow/station-mean@0.0.1", "take a committed item back"),
        (f"fdpctl uncommit {JOB}", "take a job's code runs back"),
    ),
    "update": (
        ("fdpctl update --dry-run", "list newer versions on the remotes; pull nothing"),
        ("fdpctl update", "pull the newer versions"),
        ("fdpctl update --check --remote origin", "check origin now, as the schedule does"),
    ),
}


def examples_text(command: str) -> str:
    """The `examples:` section of `fdpctl COMMAND --help` ("" for a command without any)."""
    examples = EXAMPLES.get(command, ())
    if not examples:
        return ""
    lines = ["examples:"]
    for example, what in examples:
        lines += [f"  {example}", f"      {what}"]
    return "\n".join(lines)
