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

    from fdpd.base.wire import UserConfigured, UserList


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "config",
        config,
        "set up a user and their data store (run in the data store folder)",
        (
            "Set up USERNAME, whose data store is the current folder (or --data-store DIR): "
            "creates the local registry user and its token (0600 file), the author, the user's "
            "namespace, and records the user in DIR/.scrc/.users. The user becomes the one runs "
            "are made for. For a user set up before, config switches to that user and keeps "
            "their data store, wherever you run it; only --data-store DIR changes it. "
            "DIR must be a folder of its own: not /, your home folder or a folder holding it, a "
            "system folder (/usr, /etc, /var, /tmp...), nor one of fdp's own folders. "
            "Without USERNAME, lists the users."
        ),
    )
    parser.add_argument("username", nargs="?", metavar="USERNAME")
    parser.add_argument(
        "--data-store",
        metavar="DIR",
        help="make DIR the user's data store (default: a new user's is the current folder; "
        "an existing user keeps theirs)",
    )
    parser.add_argument("--name", dest="full_name", metavar="FULL_NAME", help="default: USERNAME")
    parser.add_argument("--identifier", metavar="URL", help="ORCID, GitHub or ROR URL")
    parser.add_argument("--namespace", metavar="NAME", help="default: USERNAME")


def config(args: argparse.Namespace, inv: Invocation) -> int:
    if args.username is None:
        return _show(inv)
    body = {
        "username": args.username,
        "data_store": os.path.abspath(args.data_store) if args.data_store else None,
        "new_data_store": os.getcwd(),
        "full_name": args.full_name,
        "identifier": args.identifier,
        "namespace": args.namespace,
    }
    user: UserConfigured = inv.call("POST", "/v1/users", body).data
    if inv.as_json:
        print_json(user)
        return SUCCESS
    print(_headline(user))
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


def _headline(user: UserConfigured) -> str:
    """What happened to the user and their data store, in one line."""
    name, store, previous = user["username"], user["data_store"], user.get("previous_data_store")
    if previous is None:
        return f"{name} is set up and active"
    if previous == store:
        return f"{name} is active; their data store stays {store} (--data-store DIR changes it)"
    return (
        f"{name} is active; their data store is now {store} (was {previous}; "
        "nothing was moved from there)"
    )


def _show(inv: Invocation) -> int:
    listed: UserList = inv.call("GET", "/v1/users").data
    users = listed["users"]
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
