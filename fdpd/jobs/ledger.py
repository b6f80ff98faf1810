"""The sync engine's `SyncLedger` on the journal's `item` table (one remote per ledger).

Items are keyed by local registry path (`/api/<type>/<id>/`); a record that was never made by a
job enters the table when sync first links it, in state `pushed` or `pulled` by direction.
Remote records are matched by path too, never by host.
"""

from __future__ import annotations

from typing import Literal

from sqlmodel import Session, col, select

from fdpd.journal import Journal
from fdpd.journal.database import utc_now
from fdpd.journal.models import ITEM_PULLED, ITEM_PUSHED, Item
from fdpd.remote.links import link_path


class JournalLedger:
    """`fdpd.sync.SyncLedger` for remote `remote`, durable in the journal."""

    def __init__(self, journal: Journal, remote: str, direction: Literal["push", "pull"]) -> None:
        self._journal = journal
        self._remote = remote
        self._new_state = ITEM_PUSHED if direction == "push" else ITEM_PULLED

    def remote_url_for(self, local_path: str) -> str | None:
        with self._journal.session() as session:
            item = session.get(Item, link_path(local_path))
        if item is None or item.remote != self._remote:
            return None
        return item.remote_url

    def local_path_for(self, remote_url: str) -> str | None:
        wanted = link_path(remote_url)
        query = select(Item).where(
            Item.remote == self._remote, col(Item.remote_url).endswith(wanted, autoescape=True)
        )
        with self._journal.session() as session:
            for item in session.exec(query).all():
                if item.remote_url and link_path(item.remote_url) == wanted:
                    return item.path
        return None

    def record_link(self, local_path: str, remote_url: str) -> None:
        with self._journal.session() as session:
            self._linked(session, local_path, remote_url)

    def mark_pushed(self, local_path: str, remote_url: str) -> None:
        self._mark(local_path, remote_url, ITEM_PUSHED)

    def mark_pulled(self, local_path: str, remote_url: str) -> None:
        self._mark(local_path, remote_url, ITEM_PULLED)

    def _mark(self, local_path: str, remote_url: str, state: str) -> None:
        with self._journal.session() as session:
            item = self._linked(session, local_path, remote_url)
            item.state = state
            item.synced = utc_now()
            session.add(item)

    def _linked(self, session: Session, local_path: str, remote_url: str) -> Item:
        path = link_path(local_path)
        item = session.get(Item, path)
        if item is None:
            kind = path.rstrip("/").split("/")[-2]
            item = Item(path=path, type=kind, state=self._new_state)
        item.remote = self._remote
        item.remote_url = remote_url
        session.add(item)
        return item
