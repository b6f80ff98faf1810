"""What `status` lists by name: the items (code runs and data products) in each state, newest
job first, then the data products `fdpctl pull` registered (`register:`) that are in no job's
items yet; and the failed jobs whose records are still here.

Names come from the journal (`Item.label`, written when a job, commit or this module learns
them), so the listing needs no registry; an item recorded without one (pulled, or recorded
before fdp kept names) is looked up once in the local registry and its name remembered.
"""

from __future__ import annotations

import asyncio
import logging

from fdpd.base.errors import FdpError
from fdpd.base.wire import JobState, Listed, NamedItem
from fdpd.core.context import DaemonContext
from fdpd.journal.models import ITEM_LOCAL, Item, PullRecord
from fdpd.journal.queries import items_by_state, registered_products, remember_labels
from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import RemoteNotFound
from fdpd.shared.closure import local_registry

log = logging.getLogger(__name__)


async def list_items(ctx: DaemonContext, limit: int | None) -> Listed:
    """The items of each state (the first `limit` of them; all if None), named, and the failed
    jobs that left records: the `names` and `unfinished_jobs` of the status answer."""
    listing = await asyncio.to_thread(items_by_state, ctx.journal, limit)
    registered = await asyncio.to_thread(registered_products, ctx.journal)
    unnamed = [item for items in listing.by_state.values() for item in items if item.label is None]
    if unnamed:
        try:
            await _name(ctx, unnamed)
        except FdpError as error:  # status works without the registry: unnamed, by path
            log.warning("could not look up the names of %d items: %s", len(unnamed), error)
    names = {state: [_shown(item) for item in items] for state, items in listing.by_state.items()}
    room = len(registered) if limit is None else max(limit - len(names[ITEM_LOCAL]), 0)
    names[ITEM_LOCAL] += [_registered(row) for row in registered[:room]]
    return {
        "names": names,
        "registered": len(registered),
        "unfinished_jobs": [
            {
                "job": job.id,
                "state": JobState(job.state),
                "exit_status": job.exit_status,
                "config_file": job.config_file,
                "items": count,
            }
            for job, count in listing.unfinished_jobs
        ],
    }


def _shown(item: Item) -> NamedItem:
    if item.type == "code_run":
        run = item.uuid or item.path
        return {
            "type": item.type,
            "path": item.path,
            "job": item.job_id,
            "item": f"code run {run}",
            "uuid": item.uuid,
            "description": item.label or None,
        }
    return {
        "type": item.type,
        "path": item.path,
        "job": item.job_id,
        "item": item.label or f"data product {item.path}",  # label "": the record is gone
    }


def _registered(row: PullRecord) -> NamedItem:
    return {
        "type": "data_product",
        "path": row.data_product,
        "job": None,
        "item": f"{row.namespace}:{row.name}@{row.version}",
        "description": "registered by fdpctl pull",
    }


async def _name(ctx: DaemonContext, items: list[Item]) -> None:
    """Look the names of `items` up in the local registry, set them, and keep them."""
    async with local_registry(ctx, "status") as local:
        namespaces: dict[str, str] = {}
        for item in items:
            item.label = await _label(local, item, namespaces)
    await asyncio.to_thread(remember_labels, ctx.journal, items)


async def _label(local: RegistryClient, item: Item, namespaces: dict[str, str]) -> str:
    try:
        record = await local.get(item.path)
    except RemoteNotFound:
        return ""  # gone from the registry behind fdp's back: shown by its path
    if item.type == "code_run":
        item.uuid = item.uuid or str(record.get("uuid") or "") or None
        return str(record.get("description") or "")  # "": known to have none
    link = str(record["namespace"])
    if link not in namespaces:
        namespaces[link] = str((await local.get(link))["name"])
    return f"{namespaces[link]}:{record['name']}@{record['version']}"
