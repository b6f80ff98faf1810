"""fdpctl's commands: one module per verb group, each with `register(subparsers)`.

A new verb group is a new module here plus one name in `COMMAND_MODULES` (the module's name is
the command's name). A module's `register`
adds its argparse subparsers and sets `handler=` on each; a handler is
`(args, invocation) -> exit code`. Keep module-level imports light: every command module is
imported to build `--help`.

`PLAIN_COMMANDS` are the commands that take no argument but `--json`: fdpctl runs them without
building its argparse parser (fdpctl/cli.py). Each names the `module:handler` its `register`
sets; tests/cli/test_startup_path.py holds each to what the parser makes of it. A module that
has one keeps `argparse` (and `json`, `re`, `pathlib`) out of its module-level imports; so does
a module of `PLAIN_PARSED` (`fdpctl run CONFIG`), which parses its own plain command lines.
"""

from __future__ import annotations

COMMAND_MODULES = (
    "cancel",
    "commit",
    "completion",
    "config",
    "daemon",
    "delete",
    "gc",
    "generate",
    "info",
    "init",
    "log",
    "pull",
    "push",
    "registry",
    "remote",
    "rerun",
    "run",
    "schedule",
    "status",
    "uncommit",
    "update",
)

PLAIN_COMMANDS = {
    "daemon start": "daemon:start",
    "daemon stop": "daemon:stop",
    "daemon status": "daemon:status",
    "daemon check": "daemon:check",
    "registry start": "registry:start",
    "registry stop": "registry:stop",
    "registry status": "registry:status",
    "remote list": "remote:list_remotes",
    "schedule": "schedule:schedule",
}

# Commands whose module parses a plain command line itself (`plain_arguments(words)`: what
# argparse would make of it, or None to leave it to argparse), and the handler it runs.
PLAIN_PARSED = {"run": "run"}
