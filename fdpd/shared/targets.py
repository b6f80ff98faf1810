"""What a user names on the command line (TOKEN or PATH): the local registry records it means.

TOKEN is `namespace:name@version` (a data product), a code run uuid or unique prefix, a job id
or unique prefix (the job's code runs), or an array sweep's `array-N` (the code runs of its tasks
that succeeded). PATH is a file, found by its SHA-1 among the local registry's storage
locations: the data products holding it, or else the code runs that used it as their working
config or submission script.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, NotFound
from fdpd.journal import Journal
from fdpd.journal.models import Job
from fdpd.journal.queries import jobs_of_operation, jobs_with_prefix
from fdpd.remote.client import FilterValue, Record, RegistryClient
from fdpd.remote.links import link_path, parse_link
from fdpd.store import sha1_file

_FULL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_SHOWN_CANDIDATES = 8
_ARRAY = re.compile(r"array-(\d+)")  # an array sweep's id: array-<its run operation's id>


@dataclass(frozen=True)
class Root:
    """A code run or data product in the local registry, as a user recognises it."""

    path: str  # /api/<type>/<id>/
    type: str
    label: str  # `code run <uuid>` or `ns:name@version`
    uuid: str | None = None


@dataclass(frozen=True)
class Target:
    """What TOKEN|PATH named: one or more roots (a job may have several code runs)."""

    given: str
    roots: tuple[Root, ...]


async def resolve_target(
    journal: Journal,
    local: RegistryClient,
    *,
    token: str | None,
    path: str | None,
    runless_jobs: bool = False,
) -> Target:
    """The roots `token` or `path` (exactly one of them) names; errors say what matched. With
    `runless_jobs` a job with no code run in the local registry (none recorded, or all gone)
    names no roots instead of being an error (`delete` removes such a job's folder)."""
    if (token is None) == (path is None):
        raise FdpError("give exactly one of `token` and `path`", code=ErrorCode.EXACTLY_ONE_OF)
    if path is not None:
        return Target(path, await _roots_of_file(local, Path(path)))
    assert token is not None
    text = token.strip()
    if not text:
        raise FdpError("the TOKEN is empty", hint=_TOKEN_HINT, code=ErrorCode.BAD_TOKEN)
    if ":" in text and "@" in text:
        return Target(text, (await _data_product(local, text),))
    if array := _ARRAY.fullmatch(text):
        return Target(text, await _array_roots(journal, local, text, int(array.group(1))))
    return Target(text, await _by_prefix(journal, local, text, runless_jobs))


async def _array_roots(
    journal: Journal, local: RegistryClient, text: str, operation_id: int
) -> tuple[Root, ...]:
    """The code runs of every task of an array sweep that succeeded (a failed task's records
    are never committed this way)."""
    jobs = [job for job in jobs_of_operation(journal, operation_id) if job.state == "succeeded"]
    roots = [root for job in jobs if job.code_runs for root in await _job_roots(local, job, False)]
    if not roots:
        raise NotFound(
            f"{text} has no task that succeeded with a code run",
            hint=f"`fdpctl log {operation_id}` shows how its tasks ended",
            code=ErrorCode.NO_SUCH_ITEM,
        )
    return tuple(roots)


_TOKEN_HINT = (
    "give a code run uuid (or a unique prefix), a job id (or prefix), namespace:name@version "
    "(or @v1.0.0), "
    "or the path of a file in the data store"
)


async def _data_product(local: RegistryClient, text: str) -> Root:
    namespace, _, rest = text.partition(":")
    name, _, version = rest.rpartition("@")
    if version[:1] == "v" and version[1:2].isdigit():  # FAIR-CLI's form: name@v1.0.0
        version = version[1:]
    if not (namespace and name and version):
        raise FdpError(
            f"{text!r} is not namespace:name@version", hint=_TOKEN_HINT, code=ErrorCode.BAD_TOKEN
        )
    namespaces = await local.list_records("namespace", {"name": namespace})
    products: list[Record] = []
    for found in namespaces:
        namespace_id = parse_link(found["url"]).id
        filters: dict[str, FilterValue] = {"namespace": namespace_id, "name": name}
        filters["version"] = version
        products += await local.list_records("data_product", filters)
    if not products:
        raise NotFound(
            f"no data product {text} in the local registry",
            hint="check the namespace, name and version (`fdpctl status` counts what fdp knows)",
            code=ErrorCode.NO_SUCH_ITEM,
        )
    return _product_root(products[0], namespace)


def _product_root(product: Record, namespace: str) -> Root:
    label = f"{namespace}:{product['name']}@{product['version']}"
    return Root(link_path(product["url"]), "data_product", label)


def _run_root(run: Record) -> Root:
    uuid = str(run["uuid"])
    return Root(link_path(run["url"]), "code_run", f"code run {uuid}", uuid)


async def _by_prefix(
    journal: Journal, local: RegistryClient, prefix: str, runless_jobs: bool
) -> tuple[Root, ...]:
    jobs = jobs_with_prefix(journal, prefix)
    runs = await _runs_with_prefix(local, prefix)
    candidates: dict[str, tuple[Root, ...]] = {}
    for run in runs:
        root = _run_root(run)
        candidates[root.label] = (root,)
    for job in jobs:
        candidates[f"job {job.id}"] = await _job_roots(local, job, runless_jobs)
    distinct = {roots for roots in candidates.values()}
    if not candidates:
        raise NotFound(
            f"nothing in the local registry or the journal matches {prefix!r}",
            hint=_TOKEN_HINT,
            code=ErrorCode.NO_SUCH_ITEM,
        )
    if len(distinct) > 1:
        names = sorted(candidates)
        shown = ", ".join(names[:_SHOWN_CANDIDATES])
        more = (
            f" and {len(names) - _SHOWN_CANDIDATES} more" if len(names) > _SHOWN_CANDIDATES else ""
        )
        raise FdpError(
            f"{prefix!r} is ambiguous: it matches {shown}{more}",
            hint="give more characters of the uuid or job id",
            code=ErrorCode.AMBIGUOUS_TOKEN,
        )
    return distinct.pop()


async def _runs_with_prefix(local: RegistryClient, prefix: str) -> list[Record]:
    if _FULL_UUID.fullmatch(prefix):
        return await local.list_records("code_run", {"uuid": prefix.lower()})
    # The registry filters uuids by equality only: list the runs (one request per 1,000).
    wanted = prefix.lower()
    runs = await local.list_records("code_run")
    return [run for run in runs if str(run.get("uuid", "")).lower().startswith(wanted)]


async def _job_roots(local: RegistryClient, job: Job, runless: bool) -> tuple[Root, ...]:
    if job.records_pending:
        raise FdpError(
            f"what job {job.id} made is not recorded yet: fdp could not look in the local "
            "registry after its script, nor since",
            hint=f"`fdpctl log {job.id}` says why; `fdpctl status` tries again",
            code=ErrorCode.REGISTRY_DOWN,
        )
    if not job.code_runs and runless:
        return ()
    if not job.code_runs:
        raise FdpError(
            f"job {job.id} ({job.state}) recorded no code run, so there is nothing to commit",
            hint="`fdpctl log " + job.id + "` shows what the job printed",
            code=ErrorCode.JOB_WITHOUT_RUNS,
        )
    found = await asyncio.gather(
        *(local.list_records("code_run", {"uuid": u}) for u in job.code_runs)
    )
    roots = [_run_root(rows[0]) for rows in found if rows]
    if not roots and not runless:
        raise NotFound(
            f"the code runs of job {job.id} are no longer in the local registry",
            code=ErrorCode.NO_SUCH_ITEM,
        )
    return tuple(roots)


async def _roots_of_file(local: RegistryClient, path: Path) -> tuple[Root, ...]:
    try:
        sha1 = await asyncio.to_thread(sha1_file, path)
    except OSError as exc:
        raise FdpError(
            f"cannot read {path}: {exc.strerror}",
            hint="give a file in the data store, or an ITEM (ns:name@version, a code run, a job)",
            code=ErrorCode.UNREADABLE_FILE,
        ) from None
    locations = await local.list_records("storage_location", {"hash": sha1})
    if not locations:
        raise NotFound(
            f"{path} is not registered in the local registry (no storage location has its "
            f"SHA-1 {sha1})",
            hint="a file must have been written or pulled by fdp; check the path",
            code=ErrorCode.NO_SUCH_ITEM,
        )
    objects: list[Record] = []
    for location in locations:
        objects += await local.list_records(
            "object", {"storage_location": parse_link(location["url"]).id}
        )
    roots = await _products_of(local, objects) or await _runs_using(local, objects)
    if not roots:
        raise NotFound(
            f"{path} is registered, but no data product or code run uses it",
            hint="commit the code run or data product it belongs to instead",
            code=ErrorCode.NO_SUCH_ITEM,
        )
    return roots


async def _products_of(local: RegistryClient, objects: list[Record]) -> tuple[Root, ...]:
    links = [link for obj in objects for link in obj.get("data_products") or []]
    products = await asyncio.gather(*(local.get(link) for link in sorted(set(links))))
    namespaces = await asyncio.gather(*(local.get(p["namespace"]) for p in products))
    return tuple(
        _product_root(product, str(namespace["name"]))
        for product, namespace in zip(products, namespaces, strict=True)
    )


async def _runs_using(local: RegistryClient, objects: list[Record]) -> tuple[Root, ...]:
    runs: dict[str, Record] = {}
    for obj in objects:
        object_id = parse_link(obj["url"]).id
        for field in ("model_config", "submission_script"):
            for run in await local.list_records("code_run", {field: object_id}):
                runs[link_path(run["url"])] = run
    return tuple(_run_root(run) for _, run in sorted(runs.items()))


def named_job(journal: Journal, target: Target) -> Job | None:
    """The job TOKEN named (by id or prefix), when the roots are exactly its code runs."""
    uuids = {root.uuid for root in target.roots}
    if any(root.type != "code_run" for root in target.roots):
        return None
    jobs = [job for job in jobs_with_prefix(journal, target.given) if set(job.code_runs) == uuids]
    return jobs[0] if len(jobs) == 1 else None
