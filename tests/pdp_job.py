"""Build a pyDataPipeline job by hand: job folder, working config, submission script, environment.

This is what `fdpctl run` will produce (docs/language-api-contract.md, docs/config.md),
written out explicitly so registry tests can run the real language API without the run command.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

JOB_FOLDER_FORMAT = "%Y-%m-%d_%H_%M_%S_%f"


@dataclass(frozen=True)
class ReadItem:
    alias: str
    data_product: str
    namespace: str
    version: str
    description: str | None = None


@dataclass(frozen=True)
class WriteItem:
    data_product: str
    description: str
    file_type: str
    namespace: str
    version: str
    public: bool = True


@dataclass(frozen=True)
class RunMetadata:
    description: str
    local_data_registry_url: str
    default_input_namespace: str
    default_output_namespace: str
    local_repo: Path
    remote_repo: str = "https://github.com/FAIRDataPipeline/fdp-test-model"
    latest_commit: str = "0123456789abcdef0123456789abcdef01234567"
    remote_data_registry_url: str = "https://data.fairdatapipeline.org/api/"
    public: bool = True


@dataclass(frozen=True)
class PdpJob:
    """One job folder `<store>/jobs/<YYYY-MM-DD_HH_MM_SS_ffffff>/` ready to run."""

    store: Path
    folder: Path
    config_path: Path
    script_path: Path
    local_repo: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def environment(self, token: str, base: dict[str, str] | None = None) -> dict[str, str]:
        """The job's environment (docs/language-api-contract.md): token in FDP_LOCAL_TOKEN only."""
        env = dict(os.environ if base is None else base)
        previous = env.get("PYTHONPATH")
        env.update(
            {
                "FDP_CONFIG_DIR": str(self.folder),
                "FDP_LOCAL_TOKEN": token,
                "FDP_CONFIG_NAME": self.config_path.name,
                "FDP_SCRIPT": str(self.script_path),
                "FDP_DATA_STORE": store_prefix(self.store),
                "FDP_LOCAL_REPO": str(self.local_repo),
                "PYTHONPATH": os.pathsep.join(p for p in (previous, str(self.local_repo)) if p),
            }
        )
        env.update(self.extra_env)
        return env

    def coderun_uuids(self) -> list[str]:
        """The code runs `finalise` recorded (none if it never finished)."""
        path = self.folder / "coderuns.txt"
        return path.read_text().split("\n") if path.exists() else []


def store_prefix(store: Path) -> str:
    """`write_data_store` as the APIs need it: absolute, with a trailing separator."""
    return str(store.absolute()).rstrip(os.sep) + os.sep


def create_job_folder(store: Path, instant: datetime | None = None) -> Path:
    """Create the job folder exclusively, taking the next free microsecond on a clash."""
    moment = instant or datetime.now()
    jobs = store / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    while True:
        folder = jobs / moment.strftime(JOB_FOLDER_FORMAT)
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            moment = moment.replace(microsecond=(moment.microsecond + 1) % 1_000_000)


def working_config_yaml(
    meta: RunMetadata,
    store: Path,
    script_path: Path,
    reads: list[ReadItem],
    writes: list[WriteItem],
) -> str:
    """The working config with exactly the keys and order of docs/config.md."""
    lines = [
        "run_metadata:",
        f"  description: {_quote(meta.description)}",
        f"  local_data_registry_url: {_quote(meta.local_data_registry_url)}",
        f"  remote_data_registry_url: {_quote(meta.remote_data_registry_url)}",
        f"  default_input_namespace: {_quote(meta.default_input_namespace)}",
        f"  default_output_namespace: {_quote(meta.default_output_namespace)}",
        f"  write_data_store: {_quote(store_prefix(store))}",
        f"  local_repo: {_quote(str(meta.local_repo))}",
        f"  remote_repo: {_quote(meta.remote_repo)}",
        f"  latest_commit: {_quote(meta.latest_commit)}",
        f"  script_path: {_quote(str(script_path))}",
        f"  public: {_bool(meta.public)}",
    ]
    if reads:
        lines.append("read:")
        for item in reads:
            lines.append(f"  - data_product: {_quote(item.alias)}")
            if item.description is not None:
                lines.append(f"    description: {_quote(item.description)}")
            lines += _use_block(item.data_product, item.namespace, item.version)
    if writes:
        lines.append("write:")
        for write in writes:
            lines += [
                f"  - data_product: {_quote(write.data_product)}",
                f"    description: {_quote(write.description)}",
                f"    file_type: {_quote(write.file_type)}",
                f"    public: {_bool(write.public)}",
            ]
            lines += _use_block(write.data_product, write.namespace, write.version)
    return "\n".join(lines) + "\n"


def make_job(
    store: Path,
    meta: RunMetadata,
    command: str,
    reads: list[ReadItem],
    writes: list[WriteItem],
    instant: datetime | None = None,
) -> PdpJob:
    """Write `config.yaml` and `script.sh` (running `command` in `local_repo`) into a new job."""
    folder = create_job_folder(store, instant)
    script_path = folder / "script.sh"
    script_path.write_text(f"cd {_shell_quote(str(meta.local_repo))}\n{command}\n")
    config_path = folder / "config.yaml"
    config_path.write_text(working_config_yaml(meta, store, script_path, reads, writes))
    return PdpJob(store, folder, config_path, script_path, meta.local_repo)


def python_command(script: Path) -> str:
    """A shell command running `script` with this interpreter (the one with data_pipeline_api)."""
    return f"{_shell_quote(sys.executable)} {_shell_quote(str(script))}"


def _use_block(data_product: str, namespace: str, version: str) -> list[str]:
    return [
        "    use:",
        f"      data_product: {_quote(data_product)}",
        f"      namespace: {_quote(namespace)}",
        f'      version: "{version}"',
    ]


def _quote(value: str) -> str:
    """A YAML double-quoted scalar (JSON string escapes are valid YAML)."""
    import json

    return json.dumps(value)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
