"""`fdpctl config USERNAME` makes a folder a data store for USERNAME.

Setting a user up creates, in the local registry, the registry user with its own API token (kept
in a 0600 file; fdp's registry makes it through its admin route `POST /fdp/users`), the user's
author, `admin`'s user_author link (fdpd.shared.fdp_users; the user's own registry user has none)
and the user's namespace, and records USERNAME -> data store, registry URL and token file in
`<data store>/.scrc/.users`. A user's data store is chosen once, when the user is new; configuring
the user again (which also makes them the active user) keeps it unless another one is asked for
explicitly.

With a registry command of the user's own (`registry: command:`, e.g. the reference registry),
registry users cannot be created through the standard REST API, so a user acts as the registry
user whose token fdpd holds (unless `<data dir>/tokens/USERNAME.token` was provisioned by hand).
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fdpd.base.bounded_read import CONFIG_CAP, read_text_if_present
from fdpd.base.data_store_rules import check_data_store
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, Unavailable
from fdpd.base.paths import Locations
from fdpd.base.yaml_bounds import load_bounded_yaml
from fdpd.journal import Journal
from fdpd.journal.database import utc_now
from fdpd.journal.models import FdpUser
from fdpd.journal.users import find_user, save_active_user
from fdpd.local_registry.access import LocalRegistry, LocalRegistryService
from fdpd.remote.errors import RemoteNotFound
from fdpd.remote.links import link_id, link_path
from fdpd.shared.fdp_users import AuthorLinkFixed, activate_author, create_record
from fdpd.store import atomic_write_bytes

USERS_FILE = Path(".scrc") / ".users"
_USERNAME = re.compile(r"[\w.@+-]{1,150}")


@dataclass(frozen=True)
class UserSetup:
    """What `fdpctl config` asks for."""

    username: str
    data_store: Path | None  # None: keep an existing user's, give a new one `new_data_store`
    full_name: str | None = None
    identifier: str | None = None
    namespace: str | None = None
    new_data_store: Path | None = None  # a new user's data store when `data_store` is None


@dataclass(frozen=True)
class UserConfigured:
    """What `fdpctl config` did: the user, what the user must still do by hand, and the data
    store the user had before (None for a new user)."""

    user: FdpUser
    warnings: list[str]
    previous_data_store: str | None = None


async def configure_user(
    journal: Journal, locations: Locations, supervisor: LocalRegistryService, setup: UserSetup
) -> UserConfigured:
    """Create (or repair) everything USERNAME needs and make USERNAME the active user."""
    _check_setup(setup)
    existing = find_user(journal, setup.username)
    store = _make_data_store(check_data_store(_chosen_data_store(setup, existing), locations))
    token_file = _registry_user_token_file(locations, supervisor, setup.username)
    external = supervisor.status()["state"] == "external"
    shared = token_file == supervisor.token_path and not external
    known = existing.author_url if existing is not None else None
    held = supervisor.held(f"config {setup.username}")
    async with held, supervisor.requests() as registry:
        # only now: the running registry has made `admin` first, the registry user the APIs
        # read, as in the reference registry (pyDataPipeline's suite counts on user 1 being it)
        token = await _ensure_registry_user(token_file, supervisor, registry, setup.username)
        user_url = ""
        if shared:  # the registry user's user_author says nothing about this fdp user
            author = await _find_or_create_author(registry, token, known, setup)
        else:
            user_url = await _registry_user_url(registry, token)
            author = await _ensure_author(registry, token, user_url, known, setup)
        namespace = setup.namespace or setup.username
        await _ensure_namespace(registry, token, namespace)
        if external:
            await _link_own_user(registry, token, user_url, author["url"])
            warnings: list[str] = []
        else:
            warnings = await _activate_for_config(registry, supervisor, author["url"])
    user = FdpUser(
        username=setup.username,
        full_name=author.get("name") or setup.full_name or setup.username,
        identifier=author.get("identifier"),
        namespace=namespace,
        data_store=str(store).rstrip(os.sep) + os.sep,
        token_file=str(token_file),
        author_url=link_path(author["url"]),
        author_uuid=str(author["uuid"]),
        active=True,
        configured=utc_now(),
    )
    _record_in_data_store(store, user, supervisor.url)
    save_active_user(journal, user)
    previous = existing.data_store if existing is not None else None
    return UserConfigured(user, warnings, previous)


def _chosen_data_store(setup: UserSetup, existing: FdpUser | None) -> Path:
    """The data store asked for; else the user's own, which is never moved unasked (a `config
    OTHER` run in a project folder must not make the project a data store); else, for a new
    user, `new_data_store`."""
    if setup.data_store is not None:
        return setup.data_store
    if existing is not None:
        return Path(existing.data_store)
    if setup.new_data_store is not None:
        return setup.new_data_store
    raise FdpError(
        f"user {setup.username} is new and no folder was given for their data store",
        hint=f"give one: `fdpctl config {setup.username} --data-store DIR`",
        code=ErrorCode.BAD_REQUEST,
    )


def _make_data_store(store: Path) -> Path:
    """The data store, created if missing and proved writable (it and its `.scrc` folder)
    before anything else is made: a folder fdp cannot write to leaves no user half set up."""
    try:
        store.mkdir(parents=True, exist_ok=True)
        for folder in (store, store / USERS_FILE.parent):
            folder.mkdir(exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".fdp-write-check-"):
                pass
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise FdpError(
            f"cannot use {store} as a data store: {exc.strerror or exc}{where}",
            hint=f"give a folder you may write to (it is created if missing), or make {store} "
            "writable and run the command again",
            code=ErrorCode.BAD_DATA_STORE,
        ) from None
    return store


async def _activate_for_config(
    registry: LocalRegistry, supervisor: LocalRegistryService, author_url: str
) -> list[str]:
    """Activate the author; what the user must do by hand if the registry cannot."""
    own = supervisor.manages_database
    try:
        await activate_author(registry, supervisor.token, author_url, own_registry=own)
    except AuthorLinkFixed as exc:
        return [f"{exc.message}. Until that is changed runs are refused: {exc.hint}"]
    return []


async def _link_own_user(
    registry: LocalRegistry, token: str, user_url: str, author_url: str
) -> None:
    """Link the token's own registry user to the author (a registry fdpd does not run: the
    language APIs' `admin` is the caller there); re-point a link to another author."""
    linked = await registry.first("user_author", {"user": link_id(user_url)})
    if linked is None:
        body = {"user": user_url, "author": author_url}
        await create_record(registry, "user_author", body, token, "the link to your author")
    elif link_path(linked["author"]) != link_path(author_url):
        await registry.client(token).put(linked["url"], {"user": user_url, "author": author_url})


def _check_setup(setup: UserSetup) -> None:
    if not _USERNAME.fullmatch(setup.username):
        raise FdpError(
            f"{setup.username!r} is not a valid user name",
            hint="use up to 150 letters, digits and the characters . @ + - _",
            code=ErrorCode.BAD_USERNAME,
        )
    if setup.identifier and not re.match(r"https?://\S+$", setup.identifier):
        raise FdpError(
            f"identifier {setup.identifier!r} is not a URL",
            hint="give an ORCID, GitHub or ROR URL, e.g. https://orcid.org/0000-0002-1825-0097",
            code=ErrorCode.BAD_IDENTIFIER,
        )


def _registry_user_token_file(
    locations: Locations, supervisor: LocalRegistryService, username: str
) -> Path:
    """Where USERNAME's registry token is kept. A registry command of the user's own cannot
    create registry users: unless one was provisioned by hand, USERNAME acts as the registry
    user whose token fdpd holds (for the reference registry, `admin`, as FAIR-CLI does; for a
    registry fdpd does not run, the user of `registry: token_file:`)."""
    own_file = locations.tokens_dir / f"{username}.token"
    if supervisor.manages_database or own_file.exists():
        return own_file
    return supervisor.token_path


async def _ensure_registry_user(
    path: Path, supervisor: LocalRegistryService, registry: LocalRegistry, username: str
) -> str:
    """The user's registry token, creating the registry user (fdp's registry's admin route,
    `POST /fdp/users`) and its 0600 token file if needed."""
    if path == supervisor.token_path:
        return supervisor.token
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    added = await registry.post_route("/fdp/users", supervisor.token, {"username": username})
    key = str(added["token"])
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write_bytes(path, (key + "\n").encode("ascii"), mode=0o600)
    return key


async def _registry_user_url(registry: LocalRegistry, token: str) -> str:
    """The registry user the token belongs to (`GET username/`, then `users/?username=`)."""
    username = await registry.client(token).whoami()
    results = await registry.list("users", {"username": username}, token)
    if not results:
        raise Unavailable(f"the local registry has no user {username}", hint="fdpctl config again")
    return str(results[0]["url"])


async def _ensure_author(
    registry: LocalRegistry, token: str, user_url: str, known_url: str | None, setup: UserSetup
) -> dict[str, Any]:
    """The user's author: the one configured before (the journal's), else the one an older fdp
    linked to the user's registry user, else the one with the identifier, else a new one.

    The registry user gets no user_author of its own: only `admin` is linked (to the active
    user's author), which is all the language APIs read, and pyDataPipeline's own suite expects
    the registry user made after `admin` to have none (`test_get_entry_author`).
    """
    if known_url is None:
        linked = await registry.first("user_author", {"user": link_id(user_url)})
        known_url = str(linked["author"]) if linked is not None else None
    return await _find_or_create_author(registry, token, known_url, setup, by_name=False)


async def _find_or_create_author(
    registry: LocalRegistry,
    token: str,
    known_url: str | None,
    setup: UserSetup,
    *,
    by_name: bool = True,
) -> dict[str, Any]:
    """The user's author: the one configured before, else the one with the identifier (or,
    without one and `by_name`, as when fdp users share one registry user, the name), else a
    new one."""
    name = setup.full_name or setup.username
    author: dict[str, Any] | None = None
    if known_url is not None:
        with suppress(RemoteNotFound):
            author = await registry.record(known_url)
    if author is None and setup.identifier:
        author = await registry.first("author", {"identifier": setup.identifier})
    if author is None and by_name and not setup.identifier:
        named = await registry.list("author", {"name": name})
        author = next((a for a in named if a.get("name") == name and not a.get("identifier")), None)
    if author is None:
        body = {"name": name, "identifier": setup.identifier}
        author = await create_record(
            registry, "author", body, token, f"the author of {setup.username}"
        )
    return author


async def _ensure_namespace(registry: LocalRegistry, token: str, name: str) -> None:
    if await registry.first("namespace", {"name": name}) is None:
        # None from post: someone else created it meanwhile, which is fine
        await registry.post("namespace", {"name": name}, token)


def _record_in_data_store(store: Path, user: FdpUser, registry_url: str) -> None:
    """Add or update USERNAME in `<store>/.scrc/.users`, keeping the other users' entries."""
    path = store / USERS_FILE
    text = read_text_if_present(path, "data store users file", CONFIG_CAP) or ""
    hint = "fix or remove it, then run `fdpctl config` again"
    existing = load_bounded_yaml(text, path, hint) or {}
    users = existing.get("users") if isinstance(existing, dict) else None
    users = dict(users) if isinstance(users, dict) else {}
    users[user.username] = {
        "data_store": user.data_store,
        "registry_url": registry_url,
        "token_file": user.token_file,
        "namespace": user.namespace,
        "author": user.author_uuid,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"users": users}, sort_keys=True, default_flow_style=False)
    atomic_write_bytes(path, text.encode("utf-8"))
