"""`fdpctl remote add|list|remove`: the remote registries fdp syncs with."""

from __future__ import annotations

import os

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import print_json, print_table

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from fdpd.base.wire import RemoteList, RemoteOut


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("remote", help="add, list and remove remote registries")
    commands = parser.add_subparsers(metavar="COMMAND", required=True, prog="fdpctl remote")
    adding = add_command(
        commands,
        "add",
        add,
        "add a remote registry (checks that it answers and accepts the token)",
    )
    adding.add_argument("name", metavar="NAME", help="e.g. origin (the default remote)")
    adding.add_argument("url", metavar="URL", help="the registry's API URL, e.g. https://host/api/")
    adding.add_argument(
        "--token-file", required=True, metavar="FILE", help="file holding the API token (0600)"
    )
    adding.add_argument("--data-store", metavar="URL", help="the remote data store, if separate")
    adding.add_argument("--no-check", action="store_true", help="do not contact the remote now")
    add_command(commands, "list", list_remotes, "list the remotes")
    removing = add_command(commands, "remove", remove, "forget a remote (its token file stays)")
    removing.add_argument("name", metavar="NAME")


def add(args: argparse.Namespace, inv: Invocation) -> int:
    body = {
        "name": args.name,
        "url": args.url,
        "token_file": os.path.abspath(args.token_file),
        "data_store": args.data_store,
        "check": not args.no_check,
    }
    remote: RemoteOut = inv.call("POST", "/v1/remotes", body).data
    if inv.as_json:
        print_json(remote)
    else:
        print(f"remote {remote['name']} added: {remote['url']}")
    return SUCCESS


def list_remotes(_: argparse.Namespace, inv: Invocation) -> int:
    listed: RemoteList = inv.call("GET", "/v1/remotes").data
    remotes = listed["remotes"]
    if inv.as_json:
        print_json(remotes)
    elif not remotes:
        print("no remotes: add one with `fdpctl remote add NAME URL --token-file FILE`")
    else:
        rows = [[r["name"], r["url"], r["token_file"], r["data_store"] or "-"] for r in remotes]
        print_table(["name", "url", "token file", "data store"], rows)
    return SUCCESS


def remove(args: argparse.Namespace, inv: Invocation) -> int:
    remote: RemoteOut = inv.call("DELETE", f"/v1/remotes/{args.name}").data
    if inv.as_json:
        print_json(remote)
    else:
        print(f"remote {remote['name']} removed")
    return SUCCESS
