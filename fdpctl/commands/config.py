"""`fdpctl config [USERNAME]`: make a folder the data store of a user, or show the users."""

from __future__ import annotations

import argparse
import os
import sys

from fdpctl.cli import Invocation, add_command
from fdpctl.errors import SUCCESS
from fdpctl.render import print_fields, print_json, print_table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "config",
        config,
        "set up a user and their data store (run in the data store folder)",
        (
            "Make the current folder (or --data-store DIR) the data store of USERNAME: creates the "
            "local registry user and its token (0600 file), the author, the user's namespace, and "
            "records the user in DIR/.scrc/.users. The user becomes the one runs are made for. "
            "DIR must be a folder of its own: not /, your home folder or a folder holding it, a "
            "system folder (/usr, /etc, /var, /tmp...), nor one of fdp's own folders. "
            "Without USERNAME, lists the users."
        ),
    )
    parser.add_argument("username", nargs="?", metavar="USERNAME")
    parser.add_argument("--data-store", metavar="DIR", help="default: the current folder")
    parser.add_argument("--name", dest="full_name", metavar="FULL_NAME", help="default: USERNAME")
    parser.add_argument("--identifier", metavar="URL", help="ORCID, GitHub or ROR URL")
    parser.add_argument("--namespace", metavar="NAME", help="default: USERNAME")


def config(args: argparse.Namespace, inv: Invocation) -> int:
    if args.username is None:
        return _show(inv)
    body = {
        "username": args.username,
        "data_store": os.path.abspath(args.data_store or os.getcwd()),
        "full_name": args.full_name,
        "identifier": args.identifier,
        "namespace": args.namespace,
    }
    user = inv.call("POST", "/v1/users", body).data
    if inv.as_json:
        print_json(user)
        return SUCCESS
    print(f"{user['username']} is set up and active")
    print_fields(
        [
            ("data store", user["data_store"]),
            ("namespace", user["namespace"]),
            ("author", f"{user['full_name']} ({user['identifier'] or user['author_uuid']})"),
            ("token file", user["token_file"]),
        ]
    )
    for warning in user.get("warnings") or []:
        print(f"warning: {warning}", file=sys.stderr)
    return SUCCESS


def _show(inv: Invocation) -> int:
    users = inv.call("GET", "/v1/users").data["users"]
    if inv.as_json:
        print_json(users)
        return SUCCESS
    if not users:
        print("no users yet: run `fdpctl config USERNAME` in the folder for your data store")
        return SUCCESS
    rows = [
        ["*" if u["active"] else "", u["username"], u["namespace"], u["data_store"]] for u in users
    ]
    print_table(["", "user", "namespace", "data store"], rows)
    return SUCCESS
