"""The user config that runs a recorded working config again, as it was: every read pinned to
the recorded version (never a newer one), every write to the recorded data product (a new version:
the recorded one exists), the recorded script, run in the materialised code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from fdpd.features.rerun.recorded import RecordedRun

# the shell that runs a submission script, by the script's extension (docs/config.md)
_SHELLS = {"py": "python3", "R": "R", "jl": "julia", "bat": "batch", "ps1": "pwsh"}


def rerun_config(run: RecordedRun, local_repo: Path) -> str:
    recorded = run.working_config
    meta = recorded["run_metadata"]
    output_namespace = str(meta.get("default_output_namespace") or "")
    script = run.script
    if run.local_repo and run.local_repo != str(local_repo):
        script = script.replace(run.local_repo, str(local_repo))  # ${{REPO_DIR}} as it was
    run_metadata: dict[str, Any] = {
        "description": f"rerun of code run {run.uuid}: {run.description}".strip(),
        "default_input_namespace": meta.get("default_input_namespace"),
        "default_output_namespace": output_namespace,
        "local_repo": str(local_repo),
        "public": bool(meta.get("public", True)),
        "script": script,
    }
    if meta.get("remote_repo"):
        run_metadata["remote_repo"] = meta["remote_repo"]
    shell = _SHELLS.get(run.script_name.rpartition(".")[2])
    if shell:
        run_metadata["shell"] = shell
    config: dict[str, Any] = {"run_metadata": run_metadata}
    reads = [_read(item) for item in recorded.get("read") or [] if isinstance(item, dict)]
    writes = [
        _write(item, output_namespace)
        for item in recorded.get("write") or []
        if isinstance(item, dict)
    ]
    if reads:
        config["read"] = reads
    if writes:
        config["write"] = writes
    text: str = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    return text


def _read(item: dict[str, Any]) -> dict[str, Any]:
    use = item.get("use") or {}
    read: dict[str, Any] = {"data_product": item["data_product"]}
    if item.get("description"):
        read["description"] = item["description"]
    read["use"] = {
        "data_product": use.get("data_product", item["data_product"]),
        "namespace": use.get("namespace"),
        "version": str(use.get("version")),  # exact, as recorded
    }
    return read


def _write(item: dict[str, Any], output_namespace: str) -> dict[str, Any]:
    use = item.get("use") or {}
    write: dict[str, Any] = {
        "data_product": item["data_product"],
        "description": item.get("description") or item["data_product"],
        "file_type": item.get("file_type"),
        "public": bool(item.get("public", True)),
    }
    real: dict[str, Any] = {}
    if use.get("data_product", item["data_product"]) != item["data_product"]:
        real["data_product"] = use["data_product"]
    if use.get("namespace", output_namespace) != output_namespace:
        real["namespace"] = use["namespace"]
    if real:
        write["use"] = real
    return write  # the version: the next free one (the recorded one is taken)
