"""The outputs running jobs are writing, held in fdpd's memory so that two jobs never write the
same version; the reservations themselves are fdpd.core.reservations.WriteReservations.

A `run` job reserves the `(namespace, name, version)` of each of its writes when its working
config is made. Jobs make their working configs one at a time (`preparing`), each seeing the
reservations made before it, so a second job of the same config gets the next version of a bump
(`${{PATCH}}`), and one of an explicit version is refused, naming the job holding it. A job
releases its reservations when it ends. They live only in fdpd's memory, as the jobs fdpd runs
do: an fdpd that restarts has no running jobs, and so no reservations.

A job also holds the data store folders its outputs are written to. The first holder notes the
folder's entries; when the last holder ends, the entries that appeared since are the files those
jobs wrote (see `fdpd.features.run.leftovers`). That check runs under `preparing` too, so no job can
begin writing the folder while it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fdpd.core.reservations import WriteKey

RUN_ID = "${{RUN_ID}}"


def output_writes(working_config: Mapping[str, Any]) -> list[WriteKey]:
    """The outputs a working config writes (a `${{RUN_ID}}` name is new in every run)."""
    keys = []
    for write in working_config.get("write") or []:
        use = write["use"]
        if RUN_ID not in str(use["data_product"]):
            keys.append((str(use["namespace"]), str(use["data_product"]), str(use["version"])))
    return keys


def output_folders(data_store: Path, working_config: Mapping[str, Any]) -> set[Path]:
    """The data store folders a job's outputs are written to: `<namespace>/<name>/` as the
    write item names them, and as pyDataPipeline names them (default_output_namespace, alias)."""
    default_namespace = str(working_config["run_metadata"]["default_output_namespace"])
    folders = set()
    for write in working_config.get("write") or []:
        use = write["use"]
        folders.add(data_store / str(use["namespace"]) / str(use["data_product"]))
        folders.add(data_store / default_namespace / str(write["data_product"]))
    return folders
