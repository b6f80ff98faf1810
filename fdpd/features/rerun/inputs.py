"""The recorded run's inputs this data store lacks, fetched from the remote that holds them before
the rerun runs, each at its recorded version and kept only if its SHA-1 is the recorded one.

An input the local registry has as a record whose file is on the remote (`pull
--with-provenance` copies a run's records, not its inputs' files) has its file downloaded into the
data store, and its local storage location pointed there (fdp's `POST /fdp/local-copy`: the REST
API changes no storage location), as a pull would have made it. The remote is the one the
journal says the input, else the run, came from. What is fetched stays, as a pull's would. An
input here whose file changed, or whose local file is gone, or
that has no record here, is left to the run's own check (`input_changed`, `missing_input`): fdp
does not fetch over a file of this data store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.core.context import DaemonContext
from fdpd.core.operations import Emitter
from fdpd.features.rerun.recorded import RecordedRun
from fdpd.features.run.checks import check_reads
from fdpd.journal.queries import get_item
from fdpd.local_registry.access import LocalRegistry
from fdpd.local_registry.lifecycle import registry_supervisor
from fdpd.remote.client import Record, RegistryClient
from fdpd.remote.links import link_id, link_path
from fdpd.remote.user_remotes import load_remotes, open_remote_client
from fdpd.shared.closure import local_registry
from fdpd.shared.fdp_users import active_user
from fdpd.store.containment import store_file_path
from fdpd.store.locations import location_url
from fdpd.sync.transfers import fetch_once


@dataclass(frozen=True)
class Missing:
    label: str  # namespace:name@version
    item: dict[str, Any]  # the working config's read item
    location: Record  # the local storage location naming a remote file, with its `root`
    extension: str


async def fetch_missing_inputs(ctx: DaemonContext, run: RecordedRun, emitter: Emitter) -> list[str]:
    """Fetch every read input of `run` that is not here with its file; the labels fetched."""
    by_remote: dict[str, list[Missing]] = {}
    supervisor = registry_supervisor(ctx)
    async with supervisor.held("rerun (checking inputs)"):
        registry = supervisor.requests()
        for item in run.working_config.get("read") or []:
            if not isinstance(item, dict) or not isinstance(item.get("use"), dict):
                continue
            missing = await _missing(registry, item)
            if missing is None:
                continue
            remote = await _product_remote(ctx, registry, item) or _remote_of(ctx, run.path)
            if remote in load_remotes(ctx.locations):  # else the run's check says what to do
                by_remote.setdefault(remote, []).append(missing)
    fetched: list[str] = []
    for remote, inputs in by_remote.items():
        labels = [missing.label for missing in inputs]
        count = f"{len(inputs)} input" + ("" if len(inputs) == 1 else "s")
        emitter.log(f"fetching {count} this data store lacks from {remote}: {', '.join(labels)}")
        await _download_files(ctx, remote, inputs)
        fetched += labels
    return fetched


async def _missing(registry: LocalRegistry, item: dict[str, Any]) -> Missing | None:
    """What is missing of the input (None: it is here with its file, or what is wrong is for
    the run's own check to say)."""
    try:
        await check_reads(registry, {"read": [item]})
        return None
    except FdpError as error:
        if error.code != ErrorCode.MISSING_INPUT:
            raise  # its file here changed: the run says so
    use = item["use"]
    label = f"{use.get('namespace')}:{use.get('data_product')}@{use.get('version')}"
    product = await _local_product(registry, item)
    if product is None:
        return None  # no record: the run made here could not have read it; `pull` brings it
    obj = await registry.record(product["object"])
    if not obj.get("storage_location"):
        return None  # no file at all: nothing to fetch
    location = await registry.record(obj["storage_location"])
    root = await registry.record(location["storage_root"])
    if str(root["root"]).startswith("file://"):
        return None  # a local file that is gone: restore it (the run's check says so)
    file_type = await registry.record(obj["file_type"]) if obj.get("file_type") else {}
    extension = str(file_type.get("extension") or "")
    extension = extension or PurePosixPath(str(location["path"])).suffix.removeprefix(".")
    return Missing(label, item, location | {"root": str(root["root"])}, extension)


async def _local_product(registry: LocalRegistry, item: dict[str, Any]) -> Record | None:
    use = item["use"]
    namespace = await registry.first("namespace", {"name": str(use.get("namespace"))})
    if namespace is None:
        return None
    params = {
        "name": str(use.get("data_product")),
        "version": str(use.get("version")),
        "namespace": str(link_id(namespace["url"])),
    }
    return await registry.first("data_product", params)


async def _product_remote(
    ctx: DaemonContext, registry: LocalRegistry, item: dict[str, Any]
) -> str | None:
    """The remote the journal says the input's local record came from, if it has one."""
    product = await _local_product(registry, item)
    return _remote_of(ctx, link_path(product["url"])) if product else None


def _remote_of(ctx: DaemonContext, path: str) -> str | None:
    item = get_item(ctx.journal, path)
    return item.remote if item is not None and item.remote else None


async def _download_files(ctx: DaemonContext, remote_name: str, inputs: list[Missing]) -> None:
    """Each input's file from the remote into the data store, its SHA-1 checked; then its local
    storage location names that file (as a pull makes it)."""
    if not inputs:
        return
    registry_supervisor(ctx).require_own_registry(
        "fetching a rerun's inputs", "records their local copies through fdp's own route"
    )
    remote = load_remotes(ctx.locations)[remote_name]  # there: checked above
    data_store = Path(active_user(ctx.journal).data_store)
    async with (
        open_remote_client(remote, ctx.services.remote_transport) as client,
        local_registry(ctx, "rerun (fetching inputs)") as local,
    ):
        root = await _local_root(local, data_store)
        for missing in inputs:
            await _download_one(client, local, root, data_store, missing)


async def _download_one(
    client: RegistryClient, local: RegistryClient, root: str, data_store: Path, missing: Missing
) -> None:
    location = missing.location
    use = missing.item["use"]
    destination, relative = store_file_path(
        data_store, use.get("namespace"), use.get("data_product"), use.get("version"),
        missing.extension,
    )  # fmt: skip
    source = location_url(location["root"], str(location["path"]))
    try:
        await fetch_once(client, source, destination, str(location["hash"]))
    except FdpError as error:
        raise FdpError(
            f"input {missing.label}: {error.message}",
            hint=error.hint or "the remote's copy is not the file the run read; nothing was run",
            code=error.code,
        ) from None
    body = {"storage_location": link_path(location["url"]), "storage_root": root, "path": relative}
    await local.post_route("fdp/local-copy", body)


async def _local_root(local: RegistryClient, data_store: Path) -> str:
    """The link of the data store's storage root in the local registry (made if missing)."""
    root = f"file://{data_store.absolute()}/"
    record, _ = await local.create("storage_root", {"root": root, "local": True}, {"root": root})
    return link_path(record["url"])
