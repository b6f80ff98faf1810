"""What the local registry records of a code run, gathered for a rerun: the working config
(model_config), the submission script, the code repo release (git URL and commit), the inputs and
the outputs with their SHA-1s."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fdpd.base.bounded_read import CONFIG_CAP, read_capped
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError, NotFound
from fdpd.base.yaml_bounds import load_bounded_yaml
from fdpd.features.info.gather import file_of, run_view
from fdpd.journal import Journal
from fdpd.remote.client import RegistryClient
from fdpd.remote.links import link_path
from fdpd.shared.closure import runs_touching
from fdpd.shared.targets import resolve_target
from fdpd.sync.graph import GraphLoader, RecordGraph


@dataclass(frozen=True)
class RecordedOutput:
    name: str  # namespace:name: what a rerun's output is matched by (its version is new)
    label: str  # namespace:name@version
    hash: str | None
    size: int | None
    path: str | None  # the file in this data store, if it is here


@dataclass(frozen=True)
class CodeRelease:
    url: str  # the git repository's URL as recorded
    commit: str


@dataclass(frozen=True)
class RecordedRun:
    path: str  # /api/code_run/<id>/
    uuid: str
    description: str
    working_config: dict[str, Any]
    script: str  # the submission script's text
    script_name: str  # its file name (the extension says which shell ran it)
    code: CodeRelease | None  # None: the run records no code repo release
    inputs: list[str]  # namespace:name@version
    outputs: list[RecordedOutput]

    @property
    def local_repo(self) -> str:
        return str(self.working_config["run_metadata"].get("local_repo") or "")


# fetches a run's file this data store lacks: (run path, location, SHA-1, what) -> local file
Fetcher = Callable[[str, str, str, str], Awaitable[Path]]
_RUN_FILES = (("model_config", "working config"), ("submission_script", "submission script"))


async def gather_run(
    journal: Journal, local: RegistryClient, given: str, fetch: Fetcher
) -> RecordedRun:
    """The code run `given` names (uuid or prefix, job id, or the data product it made); its
    working config and script from this data store, else through `fetch`."""
    target = await resolve_target(journal, local, token=given, path=None)
    if len(target.roots) > 1:
        names = ", ".join(root.label for root in target.roots)
        raise FdpError(
            f"{given!r} names several code runs ({names}); a rerun runs one",
            hint="give the uuid (or a unique prefix) of the code run to run again",
            code=ErrorCode.AMBIGUOUS_TOKEN,
        )
    root = target.roots[0]
    graph = RecordGraph()
    loader = GraphLoader(local, graph)
    await loader.load([root.path])
    run_key = root.path
    if root.type == "data_product":
        runs = runs_touching(graph, root.path, "outputs_of")
        if not runs:
            raise NotFound(
                f"no code run in the local registry made {root.label}",
                hint="pull it with its provenance (`fdpctl pull --with-provenance`), or name a "
                "code run",
                code=ErrorCode.NO_RECORDED_RUN,
            )
        run_key = runs[0]
        await loader.load([run_key])
    files = [await _file(graph, run_key, field, what, fetch) for field, what in _RUN_FILES]
    return await asyncio.to_thread(_recorded, graph, run_key, journal, *files)


def _recorded(
    graph: RecordGraph, key: str, journal: Journal, config_path: Path, script_path: Path
) -> RecordedRun:
    record = graph[key].record
    uuid = str(record.get("uuid") or "")
    view = run_view(journal, graph, key, {})
    text = read_capped(config_path, "working config", CONFIG_CAP).decode("utf-8", "replace")
    hint = "the recorded working config is not a config fdp can run again"
    config = load_bounded_yaml(text, config_path, hint)
    if not isinstance(config, dict) or not isinstance(config.get("run_metadata"), dict):
        raise FdpError(
            f"{config_path}: the working config of code run {uuid} has no run_metadata",
            hint=hint,
            code=ErrorCode.RECORD_INCOMPLETE,
        )
    script = read_capped(script_path, "submission script", CONFIG_CAP).decode("utf-8", "replace")
    return RecordedRun(
        path=key,
        uuid=uuid,
        description=str(record.get("description") or ""),
        working_config=config,
        script=script,
        script_name=script_path.name,
        code=_release(graph, record, config),
        inputs=list(view["provenance"].get("inputs") or []),
        outputs=_outputs(graph, key, journal),
    )


async def _file(graph: RecordGraph, key: str, field: str, what: str, fetch: Fetcher) -> Path:
    """The run's file here, or fetched from where its storage location says."""
    record = graph[key].record
    found = file_of(graph, str(record.get(field) or ""), {})
    if found is not None and found["present"] and found["path"] is not None:
        return Path(found["path"])
    if found is not None and found["hash"] and found["path"] is None:
        return await fetch(key, found["location"], str(found["hash"]), what)
    uuid = record.get("uuid")
    where = f" (it was at {found['location']})" if found else ""
    raise FdpError(
        f"the {what} of code run {uuid} is not in this data store{where}",
        hint="pull the run with its provenance (`fdpctl pull --with-provenance`) so its "
        "working config and script are known",
        code=ErrorCode.RECORD_INCOMPLETE,
    )


def _release(
    graph: RecordGraph, record: dict[str, Any], config: dict[str, Any]
) -> CodeRelease | None:
    """The git URL and commit of the code repo's storage location. pyDataPipeline records the
    whole URL as the location's path (under a storage root `https://github.com/`) and the commit
    as its hash; other APIs put the URL's start in the root. The working config's `remote_repo`
    and `latest_commit` fill what the location lacks."""
    obj = graph.nodes.get(str(record.get("code_repo") or ""))
    if obj is None:
        return None
    location = graph.nodes.get(str(obj.record.get("storage_location") or ""))
    root = graph.nodes.get(str(location.record.get("storage_root") or "")) if location else None
    meta = config["run_metadata"]
    path = str(location.record.get("path") or "") if location else ""
    if "://" in path or path.startswith(("git@", "/")):
        url = path
    elif root is not None and path:
        url = str(root.record.get("root") or "").rstrip("/") + "/" + path.lstrip("/")
    else:
        url = str(meta.get("remote_repo") or "")
    commit = str((location.record.get("hash") if location else None) or "")
    commit = commit or str(meta.get("latest_commit") or "")
    if not url or not commit:
        return None
    return CodeRelease(url=url, commit=commit)


async def outputs_of_run(
    journal: Journal, local: RegistryClient, uuid: str
) -> list[RecordedOutput]:
    """The outputs the code run with this uuid made, with their SHA-1s and files."""
    runs = await local.list_records("code_run", {"uuid": uuid})
    if not runs:
        return []
    key = link_path(runs[0]["url"])
    graph = RecordGraph()
    await GraphLoader(local, graph).load([key])
    return await asyncio.to_thread(_outputs, graph, key, journal)


def _outputs(graph: RecordGraph, key: str, journal: Journal) -> list[RecordedOutput]:
    found = []
    for output in run_view(journal, graph, key, {})["outputs"]:
        file = output["file"]
        found.append(
            RecordedOutput(
                name=output["item"].rpartition("@")[0] or output["item"],
                label=output["item"],
                hash=file["hash"] if file else None,
                size=file["size"] if file else None,
                path=file["path"] if file else None,
            )
        )
    return found
