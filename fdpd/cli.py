"""`fdpd` entry point: the daemon in the foreground, or `fdpd registry ...` for the registry."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "registry":
        from fdpregistry.cli import main as registry_main

        return registry_main(args[1:])
    from fdpd.server.command import main as daemon_main

    return daemon_main(args)


if __name__ == "__main__":
    sys.exit(main())
