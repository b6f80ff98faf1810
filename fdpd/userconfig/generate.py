"""User config → fully qualified working config (docs/config.md), plus job record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from fdpd import __version__
from fdpd.userconfig.conflicts import check_reads, check_writes
from fdpd.userconfig.context import GenerationContext
from fdpd.userconfig.errors import ConfigProblem, ProblemCollector
from fdpd.userconfig.items import Defaults, ItemResolver
from fdpd.userconfig.model import UserConfig
from fdpd.userconfig.register_reads import RegisterVersionUsed, register_reads
from fdpd.userconfig.registry_view import RegistryView
from fdpd.userconfig.run_metadata import RunMetadataResolver
from fdpd.userconfig.script import JobScript, may_run_python
from fdpd.userconfig.serialise import dump_working_config, working_config_data


@dataclass(frozen=True)
class JobRecord:
    """What the journal keeps about a job's generation; never part of the working config."""

    user_config_file: str
    user_config_text: str
    user_config_sha1: str
    instant: str
    shell: str
    shell_flags: tuple[str, ...]
    default_read_version: str
    default_write_version: str
    register_versions: tuple[RegisterVersionUsed, ...]
    warnings: tuple[str, ...]
    fdp_version: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (lists, not tuples)."""
        data: dict[str, Any] = json.loads(json.dumps(asdict(self)))
        return data


@dataclass(frozen=True)
class WorkingConfigResult:
    text: str  # the working config file's content (write it as UTF-8)
    data: dict[str, Any]  # the same, as plain data
    script: JobScript
    warnings: tuple[ConfigProblem, ...]
    job_record: JobRecord


def generate_working_config(
    config: UserConfig, ctx: GenerationContext, registry: RegistryView
) -> WorkingConfigResult:
    """Resolve `config` against `registry` (read only). Raises ConfigError listing every
    problem, or FdpError for a dirty work tree without `ctx.dirty_allowed`."""
    problems = ProblemCollector(config.filename)
    warnings = ProblemCollector(config.filename)
    for where, message in config.coerced:
        warnings.add(where, message)
    md_resolver = RunMetadataResolver(config, ctx, problems, warnings)
    md, script = md_resolver.resolve()
    defaults = Defaults(
        md.default_input_namespace,
        md.default_output_namespace,
        md.default_read_version,
        md.default_write_version,
        md.public,
        python_api=may_run_python(script),
    )
    items = ItemResolver(
        defaults,
        registry,
        md_resolver.sub,
        problems,
        warnings,
        remote_versions=ctx.remote_versions,
        writes_in_progress=ctx.writes_in_progress,
    )
    reads = items.reads(config.read)
    writes = items.writes(config.write)
    derived, used = register_reads(
        config.register,
        reads,
        md.default_input_namespace,
        ctx.pulled_register_versions,
        registry,
        md_resolver.sub,
        problems,
    )
    reads = check_reads(reads + derived, problems)
    writes = check_writes(writes, problems)
    problems.raise_if_any()
    data = working_config_data(md, reads, writes)
    record = JobRecord(
        user_config_file=config.filename,
        user_config_text=config.text,
        user_config_sha1=hashlib.sha1(config.text.encode("utf-8")).hexdigest(),
        instant=ctx.instant.isoformat(),
        shell=script.shell.name,
        shell_flags=script.shell.flags,
        default_read_version=md.default_read_version,
        default_write_version=md.default_write_version,
        register_versions=tuple(used),
        warnings=tuple(w.render() for w in warnings.problems),
        fdp_version=__version__,
    )
    return WorkingConfigResult(
        dump_working_config(data), data, script, tuple(warnings.problems), record
    )
