"""The journal's side of a removal: removed records leave `item` (so status counts stay true)
and each gets a `removal` row saying what it was, its state then and where its remote copy is.
A removed data product a remote holds is kept as a `remote_version` (namespace, name, version,
object uuid, SHA-1), which the local registry can no longer tell."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from sqlmodel import col, delete, select

from fdpd.features.gc.inventory import Inventory
from fdpd.journal import Journal
from fdpd.journal.database import utc_now
from fdpd.journal.models import ITEM_FAILED, JOB_DELETED, Item, Job, RemoteVersion, Removal
from fdpd.journal.remote_versions import remember_remote_versions
from fdpd.shared.item_states import item_type


def record_removals(
    journal: Journal,
    removed: Mapping[str, str],
    files: Mapping[str, str],
    *,
    reason: str,
    operation_id: int | None,
    versions: Iterable[RemoteVersion] = (),
    failed: Iterable[str] = (),
) -> None:
    """`removed` (path → type) left the registry; `files` (location path → file) the store;
    `versions` are the removed data products a remote holds; `failed`, records that stay and
    are tracked from now on as leftovers of failed jobs."""
    now = utc_now()
    paths = list(removed)
    with journal.session() as session:
        remember_remote_versions(session, versions)
        for path in failed:
            session.merge(Item(path=path, type=item_type(path), state=ITEM_FAILED))
        items = _items(journal, paths)
        for path, kind in removed.items():
            item = items.get(path)
            session.add(
                Removal(
                    path=path,
                    type=kind,
                    state=item.state if item else None,
                    remote=item.remote if item else None,
                    remote_url=item.remote_url if item else None,
                    file=files.get(path),
                    reason=reason,
                    operation_id=operation_id,
                    removed=now,
                )
            )
        for start in range(0, len(paths), 500):  # SQLite's bound-parameter limit
            session.exec(delete(Item).where(col(Item.path).in_(paths[start : start + 500])))


def mark_job_deleted(journal: Journal, job_id: str) -> None:
    with journal.session() as session:
        job = session.get(Job, job_id)
        if job is not None:
            job.state = JOB_DELETED
            session.add(job)


def forget_items(journal: Journal, paths: Collection[str]) -> None:
    """Drop items whose records are no longer in the local registry (an earlier removal that
    stopped before the journal was written, or a registry reset)."""
    wanted = list(paths)
    with journal.session() as session:
        for start in range(0, len(wanted), 500):
            session.exec(delete(Item).where(col(Item.path).in_(wanted[start : start + 500])))


def _items(journal: Journal, paths: list[str]) -> dict[str, Item]:
    found: dict[str, Item] = {}
    with journal.session() as session:
        for start in range(0, len(paths), 500):
            query = select(Item).where(col(Item.path).in_(paths[start : start + 500]))
            found.update({item.path: item for item in session.exec(query).all()})
    return found


def remote_versions_of(
    inventory: Inventory, items: Mapping[str, Item], removed: Iterable[str]
) -> list[RemoteVersion]:
    """The removed data products the journal links to a remote record, as remote versions."""
    found: list[RemoteVersion] = []
    for path in removed:
        item = items.get(path)
        node = inventory.nodes.get(path)
        if node is None or node.type != "data_product" or item is None:
            continue
        if item.remote is None or item.remote_url is None:
            continue
        record = node.record
        namespace = inventory.nodes.get(str(record.get("namespace")))
        obj = inventory.nodes.get(str(record.get("object")))
        if namespace is None or obj is None:
            continue
        location = inventory.nodes.get(str(obj.record.get("storage_location")))
        found.append(
            RemoteVersion(
                remote=item.remote,
                namespace=str(namespace.record.get("name")),
                name=str(record.get("name")),
                version=str(record.get("version")),
                remote_url=item.remote_url,
                object_uuid=obj.record.get("uuid"),
                sha1=location.record.get("hash") if location is not None else None,
                seen=utc_now(),
            )
        )
    return found
