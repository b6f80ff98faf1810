"""fdp users as features find them: the active user (whom runs are made for), their data store
and registry token, and the local registry's `admin` pointed at the active user's author.
(`fdpctl config USERNAME` sets users up: fdpd/features/users/.)

The language APIs find the author of every object they create through the registry user `admin`
(`users/?username=admin`, then `user_author/?user=<admin>`). The local registry therefore points
`admin`'s user_author at the *active* user's author: the user last configured or activated. Several
users may share one data store; each run is made for the active user.

With a registry command of the user's own (`registry: command:`, e.g. the reference registry),
only the standard REST API is used, and `admin`'s user_author is created once but cannot be
changed (the reference has no update of user_author): a second author makes `config` warn and
`run` refuse, saying which record to change in the registry's admin pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fdpd.base.data_store_rules import unsafe_data_store_reason
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, Unavailable
from fdpd.base.paths import Locations
from fdpd.journal import Journal
from fdpd.journal.models import FdpUser
from fdpd.journal.users import all_users, find_active_user
from fdpd.local_registry.access import LocalRegistry
from fdpd.remote.client import LOCAL_REGISTRY_LOG_HINT
from fdpd.remote.links import link_id, link_path

ADMIN = "admin"  # the registry user the language APIs take the author from


class AuthorLinkFixed(FdpError):
    """A registry without fdp's routes links `admin` to another author, for good."""

    code = ErrorCode.AUTHOR_LINK_FIXED


def active_user(journal: Journal) -> FdpUser:
    """The user runs are made for; an error naming `fdpctl config` if there is none."""
    user = find_active_user(journal)
    if user is None:
        raise FdpError(
            "no fdp user is set up yet",
            hint="run `fdpctl config USERNAME` in the folder that should be your data store",
            code=ErrorCode.NO_USER,
        )
    return user


def usable_data_store(user: FdpUser, locations: Locations) -> Path:
    """The user's data store; an error if it breaks the data store rules (a user set up before
    fdp had them)."""
    store = Path(user.data_store)
    reason = unsafe_data_store_reason(store, locations)
    if reason is not None:
        raise FdpError(
            f"the data store of user {user.username}, {store}, cannot be used: {reason}",
            hint=f"run `fdpctl config {user.username} --data-store DIR` with a folder of its own",
            code=ErrorCode.UNUSABLE_DATA_STORE,
        )
    return store


def list_users(journal: Journal) -> list[FdpUser]:
    return all_users(journal)


def read_user_token(user: FdpUser) -> str:
    try:
        return Path(user.token_file).read_text(encoding="ascii").strip()
    except OSError:
        raise FdpError(
            f"the registry token file of user {user.username} ({user.token_file}) is missing",
            hint=f"run `fdpctl config {user.username}` again to make a new one",
            code=ErrorCode.TOKEN_MISSING,
        ) from None


async def activate_author(
    registry: LocalRegistry, admin_token: str, author_url: str, *, own_registry: bool
) -> None:
    """Point the registry's `admin` user at `author_url` (what the language APIs resolve).

    fdp's registry re-points it (`PUT /fdp/active-author`). Through the standard API only (any
    other registry) `admin`'s user_author is created if missing; one linking another author
    cannot be changed there, so that is an `AuthorLinkFixed` naming the record to change.
    """
    if not own_registry:
        await _link_admin_author(registry, admin_token, author_url)
        return
    await registry.put("/fdp/active-author", {"author": link_path(author_url)}, admin_token)


async def _link_admin_author(registry: LocalRegistry, admin_token: str, author_url: str) -> None:
    admins = await registry.list("users", {"username": ADMIN}, admin_token)
    if not admins:
        raise Unavailable(
            f"the local registry has no user `{ADMIN}` (the language APIs look it up)",
            hint=f"create the superuser {ADMIN} in that registry "
            "(docs/configuration.md, registry: command:)",
            code=ErrorCode.NO_ADMIN,
        )
    admin_url = str(admins[0]["url"])
    linked = await registry.first("user_author", {"user": link_id(admin_url)})
    if linked is None:
        body = {"user": admin_url, "author": author_url}
        await create_record(
            registry, "user_author", body, admin_token, f"link registry user {ADMIN}"
        )
    elif link_path(linked["author"]) != link_path(author_url):
        raise await _author_link_fixed(registry, linked, author_url)


async def _author_link_fixed(
    registry: LocalRegistry, linked: dict[str, Any], author_url: str
) -> AuthorLinkFixed:
    current = await registry.record(linked["author"])
    wanted = await registry.record(author_url)
    admin_page = registry.client().route_url(
        f"/admin/data_management/userauthor/{link_id(linked['url'])}/change/"
    )
    return AuthorLinkFixed(
        f"the local registry (a registry command of your own) links user `{ADMIN}` to author "
        f"{_author_label(current)}, and its REST API cannot change that link, so runs would be "
        f"attributed to {_author_label(current)} instead of {_author_label(wanted)}",
        hint=(
            f"in that registry's admin pages ({admin_page}, as its superuser) set the author of "
            f"that user_author to {link_path(author_url)}, then run the command again"
        ),
    )


def _author_label(author: dict[str, Any]) -> str:
    name = author.get("name") or author.get("identifier") or author.get("uuid")
    return f"{name!r} ({link_path(str(author['url']))})"


async def create_record(
    registry: LocalRegistry, table: str, body: dict[str, Any], token: str, what: str
) -> dict[str, Any]:
    """POST a record that must be new (a clash means the registry disagrees with a look-up)."""
    created = await registry.post(table, body, token)
    if created is None:
        raise Unavailable(
            f"the local registry refused to create {what}: a {table} like it exists, "
            "yet was not found",
            hint=LOCAL_REGISTRY_LOG_HINT,
            code=ErrorCode.REGISTRY_REFUSED,
        )
    return created
