"""Post-run checks of the provenance a job's language API registered, where fdp can see damage it
cannot repair (the C++ API, as the peers notes of the project describe it):

- an object whose file type is not its file's (the C++ API asks `file_type/?extension=` with an
  empty value and takes the first answer, often `pdf`);
- a code run whose submission script object has no storage location (the C++ API, after a 409
  for an unchanged script, looks the location up by the new job's path, finds nothing, and
  registers the object without it): the run's provenance does not say which script ran.

Each warning names the record, so a user sees it before pushing the run.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from fdpd.features.run.reconcile import Findings
from fdpd.local_registry.access import LocalRegistry
from fdpd.remote.links import link_path


async def provenance_problems(registry: LocalRegistry, findings: Findings) -> list[str]:
    """Warnings about the damaged provenance records among what the job made."""
    problems: list[str] = []
    file_types: dict[str, dict[str, Any]] = {}
    for item in findings.items.values():
        if item.type == "code_run":
            problems += await _script_problems(registry, item.path)
    for item in findings.items.values():
        if item.type == "object":
            problem = await _file_type_problem(registry, item.path, file_types)
            if problem:
                problems.append(problem)
    return problems


async def _script_problems(registry: LocalRegistry, run_path: str) -> list[str]:
    run = await registry.record(run_path)
    script = run.get("submission_script")
    if not script:
        return []
    obj = await registry.record(script)
    if obj.get("storage_location"):
        return []
    return [
        f"code run {run.get('uuid')}: its submission script (object {link_path(obj['url'])}) "
        "has no storage location, so its provenance does not say which script ran (the C++ "
        "API registers it so when the script is unchanged since an earlier run); do not push "
        "this run as it is"
    ]


async def _file_type_problem(
    registry: LocalRegistry, object_path: str, file_types: dict[str, dict[str, Any]]
) -> str | None:
    obj = await registry.record(object_path)
    if not obj.get("file_type") or not obj.get("storage_location"):
        return None
    location = await registry.record(obj["storage_location"])
    suffix = PurePosixPath(str(location.get("path") or "")).suffix.lstrip(".")
    if not suffix:
        return None  # no extension to compare (a code repository, a file named so)
    link = str(obj["file_type"])
    if link not in file_types:
        file_types[link] = await registry.record(link)
    file_type = file_types[link]
    registered = str(file_type.get("extension") or "")
    if registered.lower() == suffix.lower():
        return None
    name = file_type.get("name") or registered or "(none)"
    return (
        f"object {link_path(obj['url'])} ({obj.get('description') or 'no description'}) has "
        f"file type `{name}` but its file is {location.get('path')} (`.{suffix}`): its "
        "language API gave it the wrong file type (the C++ API takes the first file type the "
        "registry lists); pushed, the remote would say so too"
    )
