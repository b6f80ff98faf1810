"""One item as `fdpctl status TOKEN|PATH` shows it: journal state plus its file in the registry."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fdpd.journal import Journal
from fdpd.journal.models import ITEM_LOCAL
from fdpd.journal.queries import get_item, get_job
from fdpd.remote.client import Record, RegistryClient
from fdpd.remote.links import link_path
from fdpd.store.locations import local_path, location_url
from fdpd.tracking.targets import Root


async def describe_root(journal: Journal, local: RegistryClient, root: Root) -> dict[str, Any]:
    """State, remote URL, last sync, job, and file location and hash (outputs for a run)."""
    details = _journal_view(journal, root.path)
    details.update({"item": root.label, "type": root.type, "local_url": local.absolute(root.path)})
    record = await local.get(root.path)
    if root.type == "data_product":
        details.update(await _file_of(local, record))
    else:
        details["outputs"] = await _outputs_of(journal, local, record)
    return details


def _journal_view(journal: Journal, path: str) -> dict[str, Any]:
    item = get_item(journal, path)
    job = get_job(journal, item.job_id if item else None)
    return {
        "path": path,
        "state": item.state if item else ITEM_LOCAL,
        "tracked": item is not None,
        "remote": item.remote if item else None,
        "remote_url": item.remote_url if item else None,
        "synced": item.synced if item else None,
        "job": job.id if job else None,
        "job_state": job.state if job else None,
    }


async def _file_of(local: RegistryClient, product: Record) -> dict[str, Any]:
    obj = await local.get(product["object"])
    if not obj.get("storage_location"):
        return {"file": None, "hash": None, "file_present": None}
    location = await local.get(obj["storage_location"])
    root = await local.get(location["storage_root"])
    where = location_url(str(root["root"]), str(location["path"]))
    path = local_path(where)
    return {
        "file": str(path) if path is not None else where,
        "hash": location.get("hash"),
        "public": location.get("public"),
        "file_present": Path(path).is_file() if path is not None else None,
    }


async def _outputs_of(journal: Journal, local: RegistryClient, run: Record) -> list[dict[str, Any]]:
    components = await asyncio.gather(*(local.get(link) for link in run.get("outputs") or []))
    objects = await asyncio.gather(*(local.get(c["object"]) for c in components))
    links = sorted({link_path(p) for obj in objects for p in obj.get("data_products") or []})
    products = await asyncio.gather(*(local.get(link) for link in links))
    outputs = []
    for product in products:
        namespace = await local.get(product["namespace"])
        label = f"{namespace['name']}:{product['name']}@{product['version']}"
        view = _journal_view(journal, link_path(product["url"]))
        outputs.append({"item": label, **view, **await _file_of(local, product)})
    return outputs
