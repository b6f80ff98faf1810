"""The daemon's one local-registry supervisor (or, with `registry: url:`, the registry it does
not run), and its lifecycle events in the journal."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event

from fdpd.base.errors import FdpError
from fdpd.core.context import DaemonContext
from fdpd.journal import Journal
from fdpd.journal.models import FAILED, SUCCEEDED, FdpUser
from fdpd.journal.users import all_users
from fdpd.local_registry.access import LocalRegistryService
from fdpd.local_registry.supervisor import RegistrySupervisor

log = logging.getLogger(__name__)


def registry_supervisor(ctx: DaemonContext) -> LocalRegistryService:
    """The daemon's local registry: its one supervisor, created on first use and stopped at
    daemon shutdown (unless the context was given one, as in-process tests give the app)."""
    supervisor = ctx.services.registry
    if supervisor is not None:
        return supervisor
    if ctx.settings.registry.external_url is not None:  # `registry: url:`: never started here
        from fdpd.local_registry.external import ExternalRegistry  # httpx: only when asked for

        ctx.services.registry = ExternalRegistry(ctx.locations, ctx.settings.registry)
        return ctx.services.registry
    supervisor = own_registry_supervisor(ctx)
    ctx.services.registry = supervisor

    async def stop_registry(_: DaemonContext) -> None:
        why = ctx.services.registry_outlives_fdpd()
        if why:
            log.info("leaving the local registry running: %s", why)
            return
        await supervisor.stop()

    ctx.on_shutdown(stop_registry)
    return supervisor


def own_registry_supervisor(ctx: DaemonContext) -> RegistrySupervisor:
    """A supervisor of fdp's own registry process for the daemon (not started; `ctx` keeps no
    reference to it: `registry_supervisor` does)."""
    return RegistrySupervisor(
        ctx.locations,
        ctx.settings.registry,
        on_event=lambda kind, details: _record(ctx, kind, details),
        file_roots=DataStores(ctx.journal),
    )


# how many times an fdp user was added, changed or removed in any journal of this process (the
# journal's users are ORM rows: every change is flushed through the mapper, which says so here)
_user_changes = [0]


def _note_user_change(*_: object) -> None:
    _user_changes[0] += 1


for _change in ("after_insert", "after_update", "after_delete"):
    event.listen(FdpUser, _change, _note_user_change)


class DataStores:
    """Every fdp user's data store: the folders whose files the registry may serve. The journal's
    users are read again only once one changed: each hold on the registry lists the data stores
    (a run takes three), and they change only with `fdpctl config`."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._read_at: int | None = None
        self._stores: list[Path] = []

    def __call__(self) -> list[Path]:
        seen = _user_changes[0]  # before the read: a change during it is read next time
        if self._read_at != seen:
            self._stores = [Path(user.data_store) for user in all_users(self._journal)]
            self._read_at = seen
        return list(self._stores)


def _record(ctx: DaemonContext, kind: str, details: dict[str, Any]) -> None:
    """Keep registry lifecycle events (start, stop, restart, adoption) in the journal."""
    operation = ctx.journal.start_operation(kind.replace("_", " "), details)
    assert operation.id is not None
    outcome = FAILED if kind == "registry_restart" else SUCCEEDED
    ctx.journal.finish_operation(operation.id, outcome)


async def browser_url(supervisor: LocalRegistryService, token: str) -> str | None:
    """The registry's web view with a fresh one-time login code for the registry user whose
    `token` it is (the fdp user who opens it), under the registry's own host name; None unless
    fdp's own registry is running (a code is never logged)."""
    if supervisor.status()["state"] != "running" or not supervisor.manages_database:
        return None
    supervisor.write_file_roots()  # a data store set up since the registry's hold
    try:
        async with supervisor.requests() as registry:
            answer = await registry.post_route("fdp/login-code", token)
    except FdpError as error:
        log.warning("the local registry gave no login code: %s", error.message)
        return None
    path, host = answer.get("path"), answer.get("host")
    if not isinstance(path, str) or not isinstance(host, str):
        log.warning("the local registry's login code answer has no path or host")
        return None
    port = urlsplit(supervisor.url).port
    return f"http://{host}:{port}{path}"


# the hold of `fdpctl registry start` (and `open`), until `fdpctl registry stop`
USER_HOLD = "fdpctl registry start"


async def hold_for_user(supervisor: LocalRegistryService) -> None:
    """Start the registry if needed and hold it until `release_for_user` (once: a second start
    adds no second hold)."""
    if USER_HOLD not in supervisor.status()["holders"]:
        await supervisor.acquire(USER_HOLD)


async def release_for_user(supervisor: LocalRegistryService) -> None:
    """Drop the user's hold; stop now unless a run or another operation still needs it."""
    while USER_HOLD in supervisor.status()["holders"]:
        await supervisor.release(USER_HOLD)
    if not supervisor.status()["holders"]:
        await supervisor.stop()
