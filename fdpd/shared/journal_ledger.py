"""The sync engine's `SyncLedger` on the journal's `item` table, for one remote, built for bulk.

Reads come from a snapshot of the remote's links taken once when the ledger opens, so the engine
asks the journal nothing per record. Links and marks are kept in memory until `flush`, which the
engine calls after each dependency batch and at the end: one transaction, in a worker thread, so
fdpd's event loop keeps answering (`status` during a push). A crash loses at most the links of
the batch in flight; the next sync finds those records on the destination by natural key.

Items are keyed by local registry path (`/api/<type>/<id>/`); a record never made by a job enters
the table when sync first links it, in state `pushed` or `pulled` by direction. Remote records
are matched by path, never by host.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from fdpd.journal import Journal
from fdpd.journal.database import utc_now
from fdpd.journal.models import ITEM_PULLED, ITEM_PUSHED, Item
from fdpd.remote.links import link_path
from fdpd.shared.item_states import item_type

_CHUNK = 100  # records per transaction (and per IN (...), far under SQLite's limit)


@dataclass
class _Pending:
    remote_url: str
    state: str | None = None  # set by mark_pushed / mark_pulled


class JournalSyncLedger:
    """`fdpd.sync.SyncLedger` for remote `remote`, durable in the journal at each `flush`."""

    def __init__(
        self,
        journal: Journal,
        remote: str,
        direction: Literal["push", "pull"],
        links: dict[str, str],
    ) -> None:
        self._journal = journal
        self._remote = remote
        self._new_state = ITEM_PUSHED if direction == "push" else ITEM_PULLED
        self._remote_by_local = dict(links)
        self._local_by_remote = {link_path(url): path for path, url in links.items()}
        self._pending: dict[str, _Pending] = {}
        self._writing = asyncio.Lock()

    @classmethod
    async def open(
        cls, journal: Journal, remote: str, direction: Literal["push", "pull"]
    ) -> JournalSyncLedger:
        links = await asyncio.to_thread(_links_of, journal, remote)
        return cls(journal, remote, direction, links)

    def remote_url_for(self, local_path: str) -> str | None:
        return self._remote_by_local.get(link_path(local_path))

    def local_path_for(self, remote_url: str) -> str | None:
        return self._local_by_remote.get(link_path(remote_url))

    def record_link(self, local_path: str, remote_url: str) -> None:
        path = link_path(local_path)
        self._remote_by_local[path] = remote_url
        self._local_by_remote[link_path(remote_url)] = path
        pending = self._pending.get(path)
        self._pending[path] = _Pending(remote_url, pending.state if pending else None)

    def mark_pushed(self, local_path: str, remote_url: str) -> None:
        self._mark(local_path, remote_url, ITEM_PUSHED)

    def mark_pulled(self, local_path: str, remote_url: str) -> None:
        self._mark(local_path, remote_url, ITEM_PULLED)

    async def flush(self) -> None:
        """Write every link and mark made since the last flush, in one transaction."""
        async with self._writing:
            if not self._pending:
                return
            pending, self._pending = self._pending, {}
            try:
                await asyncio.to_thread(self._write_all, pending)
            except BaseException:
                self._pending = {**pending, **self._pending}
                raise

    def _mark(self, local_path: str, remote_url: str, state: str) -> None:
        self.record_link(local_path, remote_url)
        self._pending[link_path(local_path)].state = state

    def _write_all(self, pending: dict[str, _Pending]) -> None:
        # Short transactions: a write on the event loop (an operation's event) waits for the
        # journal's write lock at most one chunk long.
        paths = list(pending)
        for start in range(0, len(paths), _CHUNK):
            self._write({path: pending[path] for path in paths[start : start + _CHUNK]})

    def _write(self, pending: dict[str, _Pending]) -> None:
        now = utc_now()
        with self._journal.session() as session:
            query = select(Item.path).where(col(Item.path).in_(list(pending)))
            existing = set(session.exec(query))
            links = [
                {"path": path, "remote": self._remote, "remote_url": entry.remote_url}
                for path, entry in pending.items()
                if path in existing and entry.state is None
            ]
            marks = [
                {**_row(path, entry, self._remote), "state": entry.state, "synced": now}
                for path, entry in pending.items()
                if path in existing and entry.state is not None
            ]
            new = [
                {
                    **_row(path, entry, self._remote),
                    "type": item_type(path),
                    "state": entry.state or self._new_state,
                    "synced": now if entry.state else None,
                }
                for path, entry in pending.items()
                if path not in existing
            ]
            for rows in (links, marks):
                if rows:
                    session.execute(update(Item), rows)  # by primary key, in bulk
            if new:
                # Another sync (a second pull of the same config) may have inserted a path since
                # the look-up above: the later write wins, as the update of `marks` would.
                adding = sqlite_insert(Item)
                replaced = {
                    column: adding.excluded[column]
                    for column in ("remote", "remote_url", "state", "synced")
                }
                session.execute(
                    adding.on_conflict_do_update(index_elements=["path"], set_=replaced), new
                )


def _row(path: str, entry: _Pending, remote: str) -> dict[str, str | None]:
    return {"path": path, "remote": remote, "remote_url": entry.remote_url}


def _links_of(journal: Journal, remote: str) -> dict[str, str]:
    query = select(Item.path, Item.remote_url).where(
        Item.remote == remote, col(Item.remote_url).is_not(None)
    )
    with journal.session() as session:
        return {path: url for path, url in session.exec(query) if url}
