"""What jobs' working configs declare private: every write item with `public: false`.

Push withholds those outputs by this rule alone, whatever the registry says of them: the mark
fdp adds after a run (`accessibility=private`) is made by a step that may not have happened (a
registry that died after the script, a model run outside `fdpctl run` by a language API given
a working config). An output is matched by name and version in the write item's namespace or
the job's `default_output_namespace` (pyDataPipeline writes there, ignoring the item's), with
`${{RUN_ID}}` in a name standing for any run's uuid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from fdpd.journal import Journal
from fdpd.journal.jobs import jobs_declaring_private
from fdpd.sync.push import DeclaredPrivate

RUN_ID = "${{RUN_ID}}"


@dataclass(frozen=True)
class PrivateWrite:
    namespaces: frozenset[str]
    name: re.Pattern[str]
    version: str
    job_id: str


def declared_private(journal: Journal) -> DeclaredPrivate:
    """Why a data product is private by a job's working config (None: no job says so)."""
    writes = [
        write
        for job in jobs_declaring_private(journal)
        for write in _private_writes(job.id, job.working_config)
    ]

    def why(namespace: str, name: str, version: str) -> str | None:
        for write in writes:
            if (
                version == write.version
                and namespace in write.namespaces
                and write.name.fullmatch(name)
            ):
                return (
                    f"private: the working config of job {write.job_id} writes it with "
                    "public: false"
                )
        return None

    return why


def _private_writes(job_id: str, text: str) -> list[PrivateWrite]:
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    if not isinstance(config, dict):
        return []
    metadata = config.get("run_metadata") or {}
    default = metadata.get("default_output_namespace") if isinstance(metadata, dict) else None
    found = []
    for write in config.get("write") or []:
        use = write.get("use") if isinstance(write, dict) else None
        if not isinstance(use, dict) or write.get("public") is not False:
            continue
        namespaces = {str(use.get("namespace")), *([str(default)] if default else [])}
        found.append(
            PrivateWrite(
                frozenset(namespaces),
                _name_pattern(str(use.get("data_product"))),
                str(use.get("version")),
                job_id,
            )
        )
    return found


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(".+".join(re.escape(part) for part in name.split(RUN_ID)))
