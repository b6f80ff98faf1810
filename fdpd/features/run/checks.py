"""Pre-run checks (docs/language-api-contract.md): what the language API needs from the local
registry and the data store is there, else an fdp error naming the missing piece."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.wire import ReadInputOut
from fdpd.journal.models import FdpUser
from fdpd.local_registry.access import LocalRegistry, LocalRegistryService
from fdpd.remote.errors import RemoteRejected, TokenRejected
from fdpd.remote.links import link_id, link_path
from fdpd.shared.fdp_users import ADMIN, activate_author
from fdpd.store import sha1_file

T = TypeVar("T")


@dataclass(frozen=True)
class ReadInput:
    """A read item of the working config, found registered with its file on disk."""

    alias: str
    namespace: str
    name: str
    version: str
    data_product: str  # /api/data_product/<id>/
    file: str
    hash: str

    def to_json(self) -> ReadInputOut:
        return {
            "alias": self.alias,
            "namespace": self.namespace,
            "name": self.name,
            "version": self.version,
            "data_product": self.data_product,
            "file": self.file,
            "hash": self.hash,
        }

    @property
    def label(self) -> str:
        return f"{self.namespace}:{self.name}@{self.version}"


# `admin`'s registry user id, per registry (its URL, its database and the process serving it:
# a restarted registry is asked again) and token (a shared registry answers `admin` asked with
# a user's key with that user's own record). Only the id is kept, never the author it links to:
# that link is asked before every run, so a stale id costs one more look-up, not a run
# attributed to the wrong author.
RegistryKey = tuple[str, str, object, object]
_admin_ids: dict[tuple[RegistryKey, str], str] = {}


def registry_key(supervisor: LocalRegistryService) -> RegistryKey:
    """Which registry (and which start of its process) `supervisor` serves."""
    state = supervisor.status()
    return supervisor.url, supervisor.database_url, state["pid"], state["restarts"]


async def check_registry_user(
    registry: LocalRegistry,
    user: FdpUser,
    token: str,
    admin_token: str,
    *,
    own_registry: bool,
    key: RegistryKey | None = None,
) -> None:
    """The registry accepts `token`, knows `admin`, and `admin`'s author is the user's author
    (re-pointed if it is another user's: several users may share one registry; a registry
    without fdp's routes cannot re-point it, which refuses the run saying what to change).

    With the `key` of a registry whose `admin` id is known, that is one request (the link,
    sent with `token`); any other answer than the user's author makes it the full check."""
    known = None if key is None else (key, hashlib.sha256(token.encode()).hexdigest())
    admin_id = _admin_ids.get(known) if known is not None else None
    if known is not None and admin_id is not None:
        if await _admin_author(registry, admin_id, user, token) == user.author_url:
            return
        del _admin_ids[known]
    admin_id = await _admin_id(registry, user, token)
    if known is not None:
        _admin_ids[known] = admin_id
    if await _admin_author(registry, admin_id, user, token) != user.author_url:
        await activate_author(registry, admin_token, user.author_url, own_registry=own_registry)
        if await _admin_author(registry, admin_id, user, token) != user.author_url:
            raise FdpError(
                f"the registry's `admin` user could not be pointed at {user.username}'s author",
                hint=f"run `fdpctl config {user.username}` again",
                code=ErrorCode.NO_AUTHOR,
            )


async def _admin_id(registry: LocalRegistry, user: FdpUser, token: str) -> str:
    admins = await _as_user(registry.list("users", {"username": ADMIN}, token=token), user)
    if not admins:
        raise FdpError(
            "the local registry has no user `admin` (the language APIs look it up)",
            hint=f"run `fdpctl config {user.username}` again",
            code=ErrorCode.NO_ADMIN,
        )
    return str(link_id(admins[0]["url"]))


async def _admin_author(
    registry: LocalRegistry, admin_id: str, user: FdpUser, token: str
) -> str | None:
    """The author `admin` links to, asked with the user's token (which the registry checks)."""
    link = await _as_user(registry.first("user_author", {"user": admin_id}, token=token), user)
    return link_path(link["author"]) if link else None


async def _as_user(request: Awaitable[T], user: FdpUser) -> T:
    """A request sent with the user's token; a refused token says how to repair the user."""
    try:
        return await request
    except (TokenRejected, RemoteRejected) as exc:
        if isinstance(exc, TokenRejected) or exc.status_code == 401:
            raise FdpError(
                f"the local registry does not accept the token of user {user.username}",
                hint=f"run `fdpctl config {user.username}` again to repair the user",
                code=ErrorCode.TOKEN_REFUSED,
            ) from None
        raise


async def check_reads(registry: LocalRegistry, working_config: dict[str, Any]) -> list[ReadInput]:
    """Every read input registered down to its storage root, and its file on disk with the
    registered SHA-1."""
    return [await _check_read(registry, item) for item in working_config.get("read") or []]


async def _check_read(registry: LocalRegistry, item: dict[str, Any]) -> ReadInput:
    use = item["use"]
    namespace, name, version = use["namespace"], use["data_product"], use["version"]
    label = f"{namespace}:{name}@{version} (read `{item['data_product']}`)"
    pull_hint = "run `fdpctl pull CONFIG` to fetch it into the local registry"
    found_ns = await registry.first("namespace", {"name": namespace})
    if found_ns is None:
        raise _missing(f"namespace {namespace} of {label} is not in the local registry", pull_hint)
    product = await registry.first(
        "data_product",
        {"name": name, "version": version, "namespace": str(link_id(found_ns["url"]))},
    )
    if product is None:
        raise _missing(f"input {label} is not in the local registry", pull_hint)
    obj = await registry.record(product["object"])
    if not obj.get("storage_location"):
        raise _missing(f"input {label} has no storage location (no file)", pull_hint)
    location = await registry.record(obj["storage_location"])
    root = await registry.record(location["storage_root"])
    if not str(root["root"]).startswith("file://"):
        raise _missing(
            f"the file of input {label} is not in a local store ({root['root']})", pull_hint
        )
    path = Path(str(root["root"]).removeprefix("file://")) / str(location["path"]).lstrip("/\\")
    await _check_file(path, str(location["hash"]), label)
    return ReadInput(
        alias=item["data_product"],
        namespace=namespace,
        name=name,
        version=version,
        data_product=link_path(product["url"]),
        file=str(path),
        hash=str(location["hash"]),
    )


async def _check_file(path: Path, expected: str, label: str) -> None:
    if not path.is_file():
        raise _missing(
            f"the file of input {label} is missing: {path}",
            "run `fdpctl pull CONFIG` to fetch it again",
        )
    actual = await asyncio.to_thread(sha1_file, path)
    if actual != expected:
        raise FdpError(
            f"the file of input {label} has changed: {path} has SHA-1 {actual}, the registry "
            f"says {expected}",
            hint="restore the file (or pull it again); inputs must not be edited in the store",
            code=ErrorCode.INPUT_CHANGED,
        )


def _missing(message: str, hint: str) -> FdpError:
    return FdpError(message, hint=hint, code=ErrorCode.MISSING_INPUT)
