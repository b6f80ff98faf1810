"""The working config as YAML text, byte for byte deterministic (docs/config.md)."""

from __future__ import annotations

from typing import Any

import yaml

from fdpd.userconfig.items import ResolvedRead, ResolvedWrite
from fdpd.userconfig.run_metadata import ResolvedRunMetadata


class QuotedStr(str):
    """A string always written double-quoted (versions)."""


class _WorkingConfigDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # never anchors/aliases, even for repeated objects

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # indent list items under their key (`read:` then `  - ...`)
        super().increase_indent(flow, False)


def _quoted(dumper: yaml.SafeDumper, data: QuotedStr) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


_WorkingConfigDumper.add_representer(QuotedStr, _quoted)


def _use(name: str, namespace: str, version: str) -> dict[str, Any]:
    return {"data_product": name, "namespace": namespace, "version": QuotedStr(version)}


def working_config_data(
    md: ResolvedRunMetadata, reads: list[ResolvedRead], writes: list[ResolvedWrite]
) -> dict[str, Any]:
    """The working config as ordered plain data with exactly the keys the APIs accept."""
    data: dict[str, Any] = {
        "run_metadata": {
            "description": md.description,
            "local_data_registry_url": md.local_data_registry_url,
            "remote_data_registry_url": md.remote_data_registry_url,
            "default_input_namespace": md.default_input_namespace,
            "default_output_namespace": md.default_output_namespace,
            "write_data_store": md.write_data_store,
            "local_repo": md.local_repo,
            "remote_repo": md.remote_repo,
            "latest_commit": md.latest_commit,
            "script_path": md.script_path,
            "public": md.public,
        }
    }
    if reads:
        data["read"] = [_read(r) for r in reads]
    if writes:
        data["write"] = [_write(w) for w in writes]
    return data


def _read(read: ResolvedRead) -> dict[str, Any]:
    item: dict[str, Any] = {"data_product": read.alias}
    if read.description is not None:
        item["description"] = read.description
    item["use"] = _use(read.name, read.namespace, read.version)
    return item


def _write(write: ResolvedWrite) -> dict[str, Any]:
    return {
        "data_product": write.alias,
        "description": write.description,
        "file_type": write.file_type,
        "public": write.public,
        "use": _use(write.name, write.namespace, write.version),
    }


def dump_working_config(data: dict[str, Any]) -> str:
    text = yaml.dump(
        data,
        Dumper=_WorkingConfigDumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        indent=2,
        width=1_000_000,  # never fold long values: the file is read by machines, diffed by people
    )
    return str(text)
