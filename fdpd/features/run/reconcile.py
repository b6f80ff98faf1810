"""After the script (docs/language-api-contract.md): find the job's code runs and what they made,
and check the outputs against the working config's `write[]`."""

from __future__ import annotations

import asyncio
import posixpath
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fdpd.base.errors import UnreadableFile
from fdpd.base.wire import RunMade
from fdpd.journal.jobs import NewItem
from fdpd.local_registry.access import LocalRegistry
from fdpd.remote.links import link_id, link_path
from fdpd.shared.job_folder import CODERUNS_NAME, CONFIG_NAME, read_coderuns
from fdpd.store import sha1_file

RUN_ID = "${{RUN_ID}}"
ITEM_TYPES = ("code_run", "data_product")
CONFIG_SIZE_CAP = (
    16 * 1024 * 1024
)  # a working config is a few KB  # what users name and count; the rest are records


@dataclass
class Findings:
    """The code runs of a job and the registry records they made."""

    code_runs: list[str] = field(default_factory=list)  # uuids
    items: dict[str, NewItem] = field(default_factory=dict)  # by path
    outputs: list[Output] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pending: bool = False  # the registry could not be read: nothing above is known yet

    def add(self, record: dict[str, Any], label: str | None = None) -> None:
        path = link_path(record["url"])
        kind = path.rstrip("/").split("/")[-2]
        if kind == "code_run":
            label = str(record.get("description") or "") or None
        self.items[path] = NewItem(path, kind, record.get("uuid"), label)

    def summary(self) -> RunMade:
        """What a run's result says it made: items (code runs and data products, the unit
        users count in), the registry records behind them, and each output with its file."""
        items = [item for item in self.items.values() if item.type in ITEM_TYPES]
        return {
            "items": len(items),
            "records": len(self.items),
            "outputs": [
                {
                    "item": output.label,
                    "file": str(output.file) if output.file else None,
                    "code_run": output.code_run,
                }
                for output in self.outputs
            ],
        }


@dataclass(frozen=True)
class Output:
    namespace: str
    name: str
    version: str
    file: Path | None
    hash: str | None
    code_run: str  # uuid
    object_url: str
    public: bool  # as the language API registered the file's storage location

    @property
    def label(self) -> str:
        return f"{self.namespace}:{self.name}@{self.version}"


async def find_job_records(registry: LocalRegistry, folder: Path, failed: bool) -> Findings:
    """The code runs listed in `coderuns.txt` and, for a failed job or one that listed none (the
    C++ API writes no `coderuns.txt`), also those found through the job's config
    (`jobs/<id>/config.yaml` → storage_location → object → code_run)."""
    found = Findings()
    try:
        uuids = read_coderuns(folder)
    except UnreadableFile as error:  # the job wrote something odd there: a FIFO, a huge file
        found.warnings.append(f"{CODERUNS_NAME} ignored: {error.message}")
        uuids = []
    for uuid in uuids:
        runs = await registry.list("code_run", {"uuid": uuid})
        if not runs:
            found.warnings.append(f"code run {uuid} from coderuns.txt is not in the local registry")
            continue
        await _add_code_run(registry, runs[0], found)
    if failed or not uuids:
        for run in await _runs_of_config(registry, folder, found):
            if run["uuid"] not in found.code_runs:
                await _add_code_run(registry, run, found)
    return found


async def _runs_of_config(
    registry: LocalRegistry, folder: Path, found: Findings
) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    for location in await _config_locations(registry, folder):
        found.add(location)
        for obj in await registry.list(
            "object", {"storage_location": str(link_id(location["url"]))}
        ):
            found.add(obj)
            runs += await registry.list("code_run", {"model_config": str(link_id(obj["url"]))})
    return runs


async def _config_locations(registry: LocalRegistry, folder: Path) -> list[dict[str, Any]]:
    """The storage locations of the job's config, compared normalised: a language API may
    register `jobs/<id>//config.yaml` (rDataPipeline joins `${{CONFIG_DIR}}`, which ends in a
    separator, with file.path). Looked up by the path and by the config's SHA-1, side by side."""
    path = f"jobs/{folder.name}/{CONFIG_NAME}"
    sha1 = await asyncio.to_thread(_config_sha1, folder / CONFIG_NAME)
    lookups = [registry.list("storage_location", {"path": path})]
    if sha1 is not None:
        lookups.append(registry.list("storage_location", {"hash": sha1}))
    candidates = [location for found in await asyncio.gather(*lookups) for location in found]
    unique = {str(location["url"]): location for location in candidates}
    return [
        location
        for location in unique.values()
        if posixpath.normpath(str(location["path"]).lstrip("/")) == path
    ]


def _config_sha1(path: Path) -> str | None:
    """The job config's SHA-1 if it is still a small regular file (the script could have put a
    FIFO or a huge file there)."""
    try:
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > CONFIG_SIZE_CAP:
        return None
    try:
        return sha1_file(path)
    except OSError:
        return None


async def _add_object(registry: LocalRegistry, url: str, found: Findings) -> None:
    """An object of a code run and the storage location of its file."""
    obj = await registry.record(url)
    found.add(obj)
    if obj.get("storage_location"):
        found.add(await registry.record(obj["storage_location"]))


async def _add_code_run(registry: LocalRegistry, run: dict[str, Any], found: Findings) -> None:
    found.code_runs.append(str(run["uuid"]))
    found.add(run)
    # its config, script and code repository (objects and their files), side by side. The script
    # and repository are found by content, so they may be another job's records (every run of
    # `python3 model.py` shares one storage location), and a failed job's among them would stand
    # in the way of this run's commit unless this run records them as its own
    links = ("model_config", "submission_script", "code_repo")
    await asyncio.gather(*(_add_object(registry, run[k], found) for k in links if run.get(k)))
    for component_url in run.get("outputs") or []:
        component = await registry.record(component_url)
        obj = await registry.record(component["object"])
        found.add(obj)
        file, hash_, public = await _file_of(registry, obj, found)
        for product_url in obj.get("data_products") or []:
            product = await registry.record(product_url)
            namespace = await registry.record(product["namespace"])
            found.add(product, f"{namespace['name']}:{product['name']}@{product['version']}")
            found.outputs.append(
                Output(
                    str(namespace["name"]),
                    str(product["name"]),
                    str(product["version"]),
                    file,
                    hash_,
                    str(run["uuid"]),
                    str(obj["url"]),
                    public,
                )
            )


async def _file_of(
    registry: LocalRegistry, obj: dict[str, Any], found: Findings
) -> tuple[Path | None, str | None, bool]:
    """The output's file (if local), its registered hash, and whether it is registered public."""
    if not obj.get("storage_location"):
        return None, None, True
    location = await registry.record(obj["storage_location"])
    found.add(location)
    root = str((await registry.record(location["storage_root"]))["root"])
    hash_, public = str(location["hash"]), bool(location["public"])
    if not root.startswith("file://"):
        return None, hash_, public
    return Path(root.removeprefix("file://")) / str(location["path"]).lstrip("/\\"), hash_, public


async def reconcile_outputs(findings: Findings, working_config: dict[str, Any]) -> list[str]:
    """Warnings about outputs that are not the `write[]` entries, or whose files are wrong."""
    metadata = working_config["run_metadata"]
    writes = working_config.get("write") or []
    warnings: list[str] = []
    produced: set[tuple[str, str, str]] = set()
    for output in findings.outputs:
        label = output.label
        entries = [_entry(w, output.code_run) for w in writes]
        key = (output.namespace, output.name, output.version)
        produced.add(key)
        if key not in entries:
            warnings.append(_misplaced(label, output, entries, metadata))
        warnings += await _file_problems(label, output)
    for write in writes:
        use = write["use"]
        if not any(_entry(write, o.code_run) in produced for o in findings.outputs):
            warnings.append(
                f"write `{write['data_product']}` ({use['namespace']}:{use['data_product']}@"
                f"{use['version']}) was not written by the job"
            )
    return warnings


async def protect_private_outputs(
    registry: LocalRegistry, findings: Findings, working_config: dict[str, Any], token: str
) -> list[str]:
    """Mark outputs of `public: false` write items `accessibility=private` (a key_value).

    pyDataPipeline registers every output with `run_metadata.public`, ignoring a write item's own
    `public: false`; the key_value is what push, gc and the data routes honour, so the user's
    choice holds however the language API registered the file.
    """
    private = {
        _entry(write, output.code_run)
        for write in working_config.get("write") or []
        if write.get("public") is False
        for output in findings.outputs
    }
    notes: list[str] = []
    for output in findings.outputs:
        if output.public and (output.namespace, output.name, output.version) in private:
            body = {"object": output.object_url, "key": "accessibility", "value": "private"}
            await registry.create("key_value", body, token)
            notes.append(
                f"output {output.namespace}:{output.name}@{output.version} is marked "
                "accessibility=private (its write item says public: false), so it is never pushed"
            )
    return notes


def _entry(write: dict[str, Any], run_uuid: str) -> tuple[str, str, str]:
    use = write["use"]
    return use["namespace"], str(use["data_product"]).replace(RUN_ID, run_uuid), use["version"]


def _misplaced(
    label: str, output: Output, entries: list[tuple[str, str, str]], metadata: dict[str, Any]
) -> str:
    same_name = [e for e in entries if e[1:] == (output.name, output.version)]
    if same_name and output.namespace == metadata["default_output_namespace"]:
        wanted = f"{same_name[0][0]}:{output.name}@{output.version}"
        return (
            f"output {label} landed under default_output_namespace instead of {wanted}: the "
            "language API ignores a write item's namespace"
        )
    return (
        f"output {label} is not a write[] entry of the working config (the language API may "
        "have used write[0] for an alias it did not find)"
    )


async def _file_problems(label: str, output: Output) -> list[str]:
    if output.file is None or output.hash is None:
        return []
    if not output.file.is_file():
        return [f"the file of output {label} is missing: {output.file}"]
    actual = await asyncio.to_thread(sha1_file, output.file)
    if actual != output.hash:
        return [f"the file of output {label} ({output.file}) does not match its registered hash"]
    return []
