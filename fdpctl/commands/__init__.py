"""fdpctl's commands: one module per verb group, each with `register(subparsers)`.

A new verb group is a new module here plus one name in `COMMAND_MODULES` (the module's name is
the command's name). A module's `register`
adds its argparse subparsers and sets `handler=` on each; a handler is
`(args, invocation) -> exit code`. Keep module-level imports light: every command module is
imported to build `--help`.
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
