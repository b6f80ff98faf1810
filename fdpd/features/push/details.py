"""One item as `fdpctl status TOKEN|PATH` shows it: journal state plus its file in the registry."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fdpd.base.wire import ItemDetail, ItemFile, JobState, JournalView, OutputDetail
from fdpd.journal import Journal
from fdpd.journal.views import item_and_job, sync_state
from fdpd.remote.client import Record, RegistryClient
from fdpd.remote.links import link_path
from fdpd.shared.targets import Root
from fdpd.store.locations import local_path, location_url


async def describe_root(journal: Journal, local: RegistryClient, root: Root) -> ItemDetail:
    """State, remote URL, last sync, job, and file location and hash (outputs for a run)."""
    view = _journal_view(journal, root.path)
    detail: ItemDetail = {
        "path": view["path"],
        "state": view["state"],
        "tracked": view["tracked"],
        "remote": view["remote"],
        "remote_url": view["remote_url"],
        "synced": view["synced"],
        "job": view["job"],
        "job_state": view["job_state"],
        "item": root.label,
        "type": root.type,
        "local_url": local.absolute(root.path),
    }
    record = await local.get(root.path)
    if root.type != "data_product":
        detail["outputs"] = await _outputs_of(journal, local, record)
        return detail
    file = await _file_of(local, record)
    detail["file"], detail["hash"] = file["file"], file["hash"]
    detail["public"], detail["file_present"] = file["public"], file["file_present"]
    return detail


def _journal_view(journal: Journal, path: str) -> JournalView:
    item, job = item_and_job(journal, path)
    return {
        "path": path,
        **sync_state(item, job),
        "job_state": JobState(job.state) if job else None,
    }


async def _file_of(local: RegistryClient, product: Record) -> ItemFile:
    obj = await local.get(product["object"])
    if not obj.get("storage_location"):
        return {"file": None, "hash": None, "public": None, "file_present": None}
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


async def _outputs_of(journal: Journal, local: RegistryClient, run: Record) -> list[OutputDetail]:
    components = await asyncio.gather(*(local.get(link) for link in run.get("outputs") or []))
    objects = await asyncio.gather(*(local.get(c["object"]) for c in components))
    links = sorted({link_path(p) for obj in objects for p in obj.get("data_products") or []})
    products = await asyncio.gather(*(local.get(link) for link in links))
    outputs: list[OutputDetail] = []
    for product in products:
        namespace = await local.get(product["namespace"])
        label = f"{namespace['name']}:{product['name']}@{product['version']}"
        view = _journal_view(journal, link_path(product["url"]))
        outputs.append({"item": label, **view, **await _file_of(local, product)})
    return outputs
