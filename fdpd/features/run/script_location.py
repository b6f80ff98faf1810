"""Register a job's script in the local registry before the script starts.

pyDataPipeline's `initialise` looks the job script up by hash (`storage_location/?hash=`) and,
finding none, POSTs a storage location with the script's own path. A storage location is unique
by (storage root, hash, public) without its path (docs/registry-api.md, as in the reference), so
when two jobs with byte-identical scripts start together both POST, one gets 409 and its re-query
with its own path finds nothing: "Could not return existing Entry". The registry answers as the
reference does; the race is the language API's check-then-create.

fdpd therefore makes, before any script of a job can run, exactly the storage root and location
`initialise` would make (root `file://<write_data_store>`, path = script path less the data
store, SHA-1, public): `initialise` then finds it and creates nothing. A run's provenance is the
same as when the jobs run one after another: every job's submission script object points at the
one location of that content, whose path is the first such job's script.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.local_registry.access import LocalRegistry
from fdpd.remote.client import LOCAL_REGISTRY_LOG_HINT
from fdpd.shared.job_preparation import PreparedJob
from fdpd.store import sha1_file

LOCAL_ROOT_PREFIX = "file://"


async def script_digest(job: PreparedJob) -> str:
    """The SHA-1 of the job's script (as `initialise` hashes it)."""
    return await asyncio.to_thread(sha1_file, job.generated.script.path)


async def script_location_known(registry: LocalRegistry, job: PreparedJob) -> bool:
    """Whether a storage location with the job script's hash exists (a read: it may be asked
    alongside the run's other checks)."""
    return await registry.first("storage_location", {"hash": await script_digest(job)}) is not None


async def register_script_location(
    registry: LocalRegistry, job: PreparedJob, token: str, *, known: bool | None = None
) -> dict[str, Any] | None:
    """Make sure a storage location with the job script's hash exists; the location if this
    call created it (None if one was there already). `known`: what `script_location_known`
    said (None: look now)."""
    if known is None:
        known = await script_location_known(registry, job)
    if known:
        return None
    script = str(job.generated.script.path)
    store = str(job.run_metadata["write_data_store"])
    root_url = await _storage_root(registry, store, token)
    body = {
        "path": script.replace(store, ""),  # as pyDataPipeline words it
        "hash": await script_digest(job),
        "public": True,
        "storage_root": root_url,
    }
    created = await registry.post("storage_location", body, token)
    return created  # None: a job prepared meanwhile registered the same content first


async def _storage_root(registry: LocalRegistry, store: str, token: str) -> str:
    root = LOCAL_ROOT_PREFIX + store
    if not root.endswith(os.sep):
        root += os.sep
    created = await registry.post("storage_root", {"root": root, "local": True}, token)
    found = created or await registry.first("storage_root", {"root": root})
    if found is None:
        raise FdpError(
            f"the local registry refused storage root {root} as a duplicate, yet has none",
            hint=LOCAL_REGISTRY_LOG_HINT,
            code=ErrorCode.REGISTRY_REFUSED,
        )
    return str(found["url"])
