"""The user configs the register tests write: a register block for a local source file, and a
read of a `use: cache:` file."""

from __future__ import annotations

from pathlib import Path


def register_config(
    source: Path, *, namespace: str, name: str, version: str, extra: str = ""
) -> str:
    return f"""\
run_metadata:
  description: read the registered source
  script: python3 model.py
register:
  - namespace: {namespace}
    full_name: {namespace} agency
    website: https://{namespace}.example.org
  - external_object: {name}
    namespace_name: {namespace}
    root: file://{source.parent}/
    path: {source.name}
    title: Station metadata
    description: stations of {namespace}
    unique_name: {namespace} station metadata
    alternate_identifier_type: {namespace}_download
    file_type: csv
    version: "{version}"
    primary: true
{extra}"""


def cache_config(cache: str, version: str | None, namespace: str = "mine") -> str:
    version_line = f'    version: "{version}"\n' if version else ""
    return f"""\
run_metadata:
  description: read a local file through use.cache
  script: python3 model.py
read:
  - data_product: cached/table
    namespace: {namespace}
{version_line}    use:
      cache: {cache}
"""
