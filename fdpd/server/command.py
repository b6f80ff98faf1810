"""`fdpd [--tcp HOST:PORT] [--allow-remote] [--log-level LEVEL]`: the daemon, in the foreground."""

from __future__ import annotations

import argparse
import sys

from fdpd import __version__

LOG_LEVELS = ("debug", "info", "warning", "error")


def build_parser() -> argparse.ArgumentParser:
    from fdpd.server.listeners import parse_tcp_address

    def tcp_address(text: str) -> object:
        try:
            return parse_tcp_address(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parser = argparse.ArgumentParser(
        prog="fdpd",
        description=(
            "The FAIR Data Pipeline daemon. Runs in the foreground and listens on a private Unix "
            "socket; `fdpctl daemon start` starts it in the background. "
            "`fdpd registry ...` runs the registry server instead."
        ),
    )
    parser.add_argument(
        "--tcp",
        metavar="HOST:PORT",
        type=tcp_address,
        help="also listen on this TCP address; requests need the bearer token in the "
        "daemon-token file (loopback addresses only, unless --allow-remote)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow --tcp on an address other machines can reach",
    )
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS, default="info", help="default: %(default)s"
    )
    parser.add_argument("--version", action="version", version=f"fdpd {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    from fdpd.server.daemon import DaemonOptions, run_daemon

    return run_daemon(
        DaemonOptions(tcp=args.tcp, allow_remote=args.allow_remote, log_level=args.log_level)
    )
