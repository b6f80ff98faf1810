"""Parse a user config into typed, located structures, collecting every problem found.

Built on PyYAML's composer, whose nodes keep line and column; nothing is ever constructed from
tags, so a config cannot instantiate objects.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from enum import Enum
from typing import Any

import yaml

from fdpd.base.yaml_bounds import yaml_bound_problem
from fdpd.userconfig.errors import ConfigError, ConfigProblem
from fdpd.userconfig.model import (
    REGISTER_KINDS,
    Located,
    ReadItem,
    RegisterItem,
    RunMetadata,
    UserConfig,
    Where,
    WriteItem,
)
from fdpd.userconfig.semver import parse_version
from fdpd.userconfig.templates import Role, TemplateProblem, check_templates, has_templates
from fdpd.userconfig.wildcards import pattern_problem

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML}{t}" for t in ("str", "int", "float", "bool", "timestamp")}
_NUMBER_TAGS = {f"{_YAML}int", f"{_YAML}float"}
# Scalars YAML makes other than text, that FAIR-CLI's pydantic v1 turns back into text.
_CONSTRUCTED_TAGS = {*_NUMBER_TAGS, f"{_YAML}bool"}
# What pydantic v1 (FAIR-CLI 0.11.0's validation) accepts for a bool, case-insensitive.
_PYDANTIC_V1_BOOLS = {
    **dict.fromkeys(("0", "off", "f", "false", "n", "no"), False),
    **dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True),
}


class Kind(Enum):
    TEXT = "text"  # free text
    NAME = "name"  # a name: no wildcard
    READ_PATTERN = "read_pattern"  # read data_product: wildcards allowed
    WRITE_PATTERN = "write_pattern"  # write data_product: wildcards and RUN_ID allowed
    WRITE_NAME = "write_name"  # write use.data_product: RUN_ID allowed
    VERSION = "version"
    FLAG = "flag"
    TEXT_LIST = "text_list"


Schema = Mapping[str, "Kind | Schema"]

RUN_METADATA: Schema = {
    "description": Kind.TEXT,
    "local_data_registry_url": Kind.TEXT,
    "remote_data_registry_url": Kind.TEXT,
    "default_input_namespace": Kind.NAME,
    "default_output_namespace": Kind.NAME,
    "default_read_version": Kind.VERSION,
    "default_write_version": Kind.VERSION,
    "write_data_store": Kind.TEXT,
    "local_repo": Kind.TEXT,
    "remote_repo": Kind.TEXT,
    "latest_commit": Kind.TEXT,
    "public": Kind.FLAG,
    "script": Kind.TEXT,
    "script_path": Kind.TEXT,
    "shell": Kind.TEXT,
}
REFUSED_RUN_METADATA = {
    "token": "tokens never belong in a config; scripts read FDP_LOCAL_TOKEN from the environment",
    "api_version": "`api_version` is not supported (strict language API readers reject it); "
    "remove it",
    "fail_on_hash_mismatch": "`fail_on_hash_mismatch` is not supported; remove it",
}
READ: Schema = {
    "data_product": Kind.READ_PATTERN,
    "description": Kind.TEXT,
    "version": Kind.VERSION,
    "namespace": Kind.NAME,
    "use": {
        "data_product": Kind.NAME,
        "namespace": Kind.NAME,
        "version": Kind.VERSION,
        "cache": Kind.TEXT,
    },
}
WRITE: Schema = {
    "data_product": Kind.WRITE_PATTERN,
    "description": Kind.TEXT,
    "file_type": Kind.NAME,
    "public": Kind.FLAG,
    "version": Kind.VERSION,
    "namespace": Kind.NAME,
    "use": {"data_product": Kind.WRITE_NAME, "namespace": Kind.NAME, "version": Kind.VERSION},
}
_SOURCE_FIELDS: Schema = {
    "root": Kind.TEXT,
    "path": Kind.TEXT,
    "file_type": Kind.NAME,
    "version": Kind.VERSION,
    "public": Kind.FLAG,
    "namespace_name": Kind.NAME,
    "authors": Kind.TEXT_LIST,
    "description": Kind.TEXT,
    "use": {"namespace": Kind.NAME},
}
REGISTER: Mapping[str, Schema] = {
    "namespace": {"namespace": Kind.NAME, "full_name": Kind.TEXT, "website": Kind.TEXT},
    "author": {"author": Kind.NAME, "name": Kind.TEXT, "identifier": Kind.TEXT},
    "external_object": {
        "external_object": Kind.NAME,
        **_SOURCE_FIELDS,
        "namespace_full_name": Kind.TEXT,
        "namespace_website": Kind.TEXT,
        "title": Kind.TEXT,
        "identifier": Kind.TEXT,
        "unique_name": Kind.TEXT,
        "alternate_identifier_type": Kind.TEXT,
        "release_date": Kind.TEXT,
        "release_version": Kind.TEXT,
        "primary": Kind.FLAG,
        "no_file": Kind.FLAG,
    },
    "data_product": {"data_product": Kind.NAME, **_SOURCE_FIELDS},
}
REGISTER_REQUIRED: Mapping[str, tuple[str, ...]] = {
    "namespace": (),
    "author": (),  # no name: the `author:` value is the name, as in FAIR-CLI 0.11.0
    "external_object": ("title", "version", "primary"),
    "data_product": ("root", "path", "file_type", "version"),
}
_ROLES = {
    Kind.VERSION: Role.VERSION,
    Kind.WRITE_PATTERN: Role.WRITE_NAME,
    Kind.WRITE_NAME: Role.WRITE_NAME,
}


def parse_user_config(text: str, filename: str) -> UserConfig:
    """Parse and shape-check a user config; raises ConfigError listing every problem found."""
    parser = _Parser(filename)
    config = parser.parse(text)
    if parser.problems or config is None:
        raise ConfigError(parser.problems)
    return config


class _Parser:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[ConfigProblem] = []
        self.coerced: list[tuple[Where, str]] = []

    def problem(self, where: Where, message: str, suggestion: str = "") -> None:
        self.problems.append(
            ConfigProblem(
                self.filename, where.line, where.column, where.key_path, message, suggestion
            )
        )

    def parse(self, text: str) -> UserConfig | None:
        root = self._compose(text)
        if root is None:
            return None
        top = Where("", root.start_mark.line + 1, root.start_mark.column + 1)
        if not isinstance(root, yaml.MappingNode):
            self.problem(top, "expected a mapping with run_metadata, read, write and register")
            return None
        entries = self._entries(root, "", ("run_metadata", "read", "write", "register"))
        if "run_metadata" not in entries:
            self.problem(top, "run_metadata is missing", "every config needs a run_metadata block")
            return None
        run_metadata = self._run_metadata(entries["run_metadata"])
        reads = [self._read(n, w) for n, w in self._items(entries.get("read"), "read")]
        writes = [self._write(n, w) for n, w in self._items(entries.get("write"), "write")]
        registers = [
            self._register(n, w) for n, w in self._items(entries.get("register"), "register")
        ]
        if run_metadata is None:
            return None
        return UserConfig(
            self.filename,
            text,
            run_metadata,
            tuple(r for r in reads if r is not None),
            tuple(w for w in writes if w is not None),
            tuple(r for r in registers if r is not None),
            tuple(self.coerced),
        )

    def _compose(self, text: str) -> yaml.Node | None:
        bound = yaml_bound_problem(text)
        if bound is not None:
            self.problem(
                Where("", bound.line, bound.column),
                f"the YAML is refused: {bound.message}",
                "a user config nests a few levels; check the file is the config you meant",
            )
            return None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            what = " ".join(p for p in (exc.context, exc.problem) if p)
            self.problem(Where("", line, column), f"malformed YAML: {what}")
            return None
        except yaml.YAMLError as exc:
            self.problem(Where("", 0, 0), f"malformed YAML: {exc}")
            return None
        if root is None:
            self.problem(Where("", 0, 0), "the config is empty", "it needs a run_metadata block")
        return root

    def _where(self, node: yaml.Node, key_path: str) -> Where:
        return Where(key_path, node.start_mark.line + 1, node.start_mark.column + 1)

    def _entries(
        self, node: yaml.MappingNode, path: str, allowed: tuple[str, ...]
    ) -> dict[str, tuple[yaml.Node, Where]]:
        """Key → (value node, where) for a mapping; reports unknown, duplicate and odd keys."""
        found: dict[str, tuple[yaml.Node, Where]] = {}
        for key_node, value_node in node.value:
            key_where = self._where(key_node, path)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                self.problem(key_where, "expected a plain key")
                continue
            key = str(key_node.value)
            key_path = f"{path}.{key}" if path else key
            where = self._where(value_node, key_path)
            if has_templates(key):
                self.problem(self._where(key_node, key_path), "templates are not allowed in keys")
            elif key in found:
                first = found[key][1]
                self.problem(
                    self._where(key_node, key_path),
                    f"duplicate key `{key}` (first given on line {first.line})",
                )
            elif key not in allowed:
                self._unknown_key(self._where(key_node, key_path), key, allowed)
            else:
                found[key] = (value_node, where)
        return found

    def _unknown_key(self, where: Where, key: str, allowed: tuple[str, ...]) -> None:
        refused = (
            REFUSED_RUN_METADATA.get(key) if where.key_path.startswith("run_metadata") else None
        )
        if refused:
            self.problem(where, f"`{key}` is not allowed", refused)
            return
        close = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f"did you mean `{close[0]}`?" if close else "allowed: " + ", ".join(allowed)
        self.problem(where, f"unknown key `{key}`", suggestion)

    def _items(
        self, entry: tuple[yaml.Node, Where] | None, section: str
    ) -> list[tuple[yaml.MappingNode, Where]]:
        if entry is None:
            return []
        node, where = entry
        if _is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(where, f"expected a list of {section} items (each starting with `- `)")
            return []
        items = []
        for index, item in enumerate(node.value):
            item_where = self._where(item, f"{section}[{index}]")
            if isinstance(item, yaml.MappingNode):
                items.append((item, item_where))
            else:
                self.problem(item_where, f"expected a {section} item (a mapping of keys)")
        return items

    def _fields(
        self, node: yaml.MappingNode, where: Where, schema: Schema, required: tuple[str, ...]
    ) -> dict[str, Located[Any]] | None:
        """Typed values by (dotted) key for a mapping against `schema`; None if any was bad."""
        before = len(self.problems)
        values: dict[str, Located[Any]] = {}
        entries = self._entries(node, where.key_path, tuple(schema))
        for key, (value_node, value_where) in entries.items():
            kind = schema[key]
            if isinstance(kind, Kind):
                value = self._value(value_node, value_where, kind)
                if value is not None:
                    values[key] = value
            elif isinstance(value_node, yaml.MappingNode):
                nested = self._fields(value_node, value_where, kind, ())
                values.update({f"{key}.{k}": v for k, v in (nested or {}).items()})
            else:
                self.problem(value_where, f"expected a mapping with keys {', '.join(kind)}")
        for key in required:
            if key not in entries:
                self.problem(where, f"`{key}` is required")
        return values if len(self.problems) == before else None

    def _value(self, node: yaml.Node, where: Where, kind: Kind) -> Located[Any] | None:
        if kind is Kind.TEXT_LIST:
            return self._text_list(node, where)
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _SCALAR_TAGS:
            expected = "true or false" if kind is Kind.FLAG else "a single value"
            self.problem(where, f"expected {expected}" + _got(node))
            return None
        if kind is Kind.FLAG:
            return self._flag(node, where)
        if kind is Kind.VERSION and node.tag in _NUMBER_TAGS:
            self.problem(
                where,
                f'expected a version as a quoted string like "1.0.0", got the number {node.value}',
                f'quote it and give three parts, e.g. "{_three_parts(node.value)}"',
            )
            return None
        return self._text(self._as_text(node, where), where, kind)

    def _as_text(self, node: yaml.ScalarNode, where: Where) -> str:
        """A scalar where text is expected. A YAML number or boolean becomes the text FAIR-CLI's
        pydantic v1 `str` fields make of it (`str(value)`: `007` → "7", `yes` → "True"), with a
        warning at its line."""
        if node.tag not in _CONSTRUCTED_TAGS or node.style is not None:
            return str(node.value)
        text = str(yaml.safe_load(node.value))
        kind = "boolean" if node.tag == f"{_YAML}bool" else "number"
        if text == node.value:
            message = f'the {kind} {node.value} taken as the text "{text}": write it quoted'
        else:
            message = (
                f'the {kind} {node.value} taken as the text "{text}", as FAIR-CLI does: quote it '
                f'("{node.value}") to keep it as written'
            )
        self.coerced.append((where, message))
        return text

    def _flag(self, node: yaml.ScalarNode, where: Where) -> Located[bool] | None:
        """true/false, or a value FAIR-CLI's pydantic v1 models take for one (a warning)."""
        if node.tag == f"{_YAML}bool":
            return Located(node.value.lower() in ("true", "yes", "on"), where)
        flag = _PYDANTIC_V1_BOOLS.get(node.value.strip().lower())
        if flag is None:
            self.problem(where, f"expected true or false, got `{node.value}`")
            return None
        shown = f'"{node.value}"' if node.tag == f"{_YAML}str" else node.value
        self.coerced.append(
            (where, f"{shown} taken as {str(flag).lower()}: write {str(flag).lower()} (unquoted)")
        )
        return Located(flag, where)

    def _text(self, text: str, where: Where, kind: Kind) -> Located[str] | None:
        if text == "" and kind is not Kind.TEXT:
            self.problem(where, "expected a value, got nothing")
            return None
        try:
            check_templates(text, _ROLES.get(kind, Role.TEXT))
        except TemplateProblem as exc:
            self.problem(where, exc.message, exc.suggestion)
            return None
        if kind in (Kind.READ_PATTERN, Kind.WRITE_PATTERN):
            reason = pattern_problem(text)
            if reason:
                self.problem(where, reason)
                return None
        elif kind in (Kind.NAME, Kind.WRITE_NAME) and "*" in text:
            self.problem(
                where,
                "wildcards are allowed only in the data_product of read and write items",
                "give the exact name here",
            )
            return None
        if kind is Kind.VERSION and not has_templates(text):
            return self._exact_version(text, where)
        return Located(text, where)

    def _exact_version(self, text: str, where: Where) -> Located[str] | None:
        version = parse_version(text)
        if version is None:
            self.problem(
                where,
                f"`{text}` is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)",
                "or use ${{LATEST}}, ${{MAJOR}}, ${{MINOR}} or ${{PATCH}}",
            )
            return None
        if (version.major, version.minor, version.patch) == (0, 0, 0):
            self.problem(where, "version 0.0.0 is never valid", "the first version is 0.0.1")
            return None
        return Located(text, where)

    def _text_list(self, node: yaml.Node, where: Where) -> Located[tuple[str, ...]] | None:
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_TAGS:
            return Located((self._as_text(node, where),), where)
        if not isinstance(node, yaml.SequenceNode):
            self.problem(where, "expected a list of values" + _got(node))
            return None
        texts = []
        for index, item in enumerate(node.value):
            if not isinstance(item, yaml.ScalarNode) or item.tag not in _SCALAR_TAGS:
                self.problem(self._where(item, f"{where.key_path}[{index}]"), "expected a value")
                return None
            texts.append(self._as_text(item, self._where(item, f"{where.key_path}[{index}]")))
        return Located(tuple(texts), where)

    def _run_metadata(self, entry: tuple[yaml.Node, Where]) -> RunMetadata | None:
        node, where = entry
        if not isinstance(node, yaml.MappingNode):
            self.problem(where, "expected a mapping of run_metadata keys" + _got(node))
            return None
        values = self._fields(node, where, RUN_METADATA, ())
        return None if values is None else RunMetadata(where, **values)

    def _read(self, node: yaml.MappingNode, where: Where) -> ReadItem | None:
        values = self._fields(node, where, READ, ("data_product",))
        return None if values is None else ReadItem(where, **_flatten_use(values))

    def _write(self, node: yaml.MappingNode, where: Where) -> WriteItem | None:
        values = self._fields(node, where, WRITE, ("data_product", "file_type"))
        return None if values is None else WriteItem(where, **_flatten_use(values))

    def _register(self, node: yaml.MappingNode, where: Where) -> RegisterItem | None:
        keys = [str(k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        kinds = [k for k in REGISTER_KINDS if k in keys]
        if len(kinds) != 1:
            got = f"got {', '.join(kinds)}" if kinds else "got none"
            self.problem(
                where,
                f"a register item needs exactly one of {', '.join(REGISTER_KINDS)} ({got})",
            )
            return None
        kind = kinds[0]
        values = self._fields(node, where, REGISTER[kind], (kind, *REGISTER_REQUIRED[kind]))
        if values is None:
            return None
        name = values.pop(kind)
        item = RegisterItem(where, kind, name, values)
        self._check_register(item)
        return item

    def _check_register(self, item: RegisterItem) -> None:
        if item.kind == "external_object":
            self._check_identifiers(item)
        if item.kind not in ("external_object", "data_product"):
            return
        if not item.has_file:
            for key in ("root", "path", "file_type"):
                if (value := item.text(key)) is not None:
                    self.problem(value.where, f"`{key}` cannot be given with `no_file: true`")
            return
        for key in ("root", "path", "file_type"):
            if item.text(key) is None:
                self.problem(item.where, f"`{key}` is required (or set `no_file: true`)")
        root = item.text("root")
        if root is not None and not _is_source_root(root.value):
            self.problem(
                root.where,
                "`root` must start with http://, https:// or file://, or be an absolute path",
            )
        release = item.text("release_version")
        if release is not None and parse_version(release.value) is None:
            self.problem(release.where, "`release_version` must be a semantic version (1.0.0)")

    def _check_identifiers(self, item: RegisterItem) -> None:
        identifier = item.text("identifier")
        unique = item.text("unique_name")
        alternate = item.text("alternate_identifier_type")
        if identifier is not None and (unique is not None or alternate is not None):
            self.problem(
                identifier.where,
                "give `identifier` or `unique_name` + `alternate_identifier_type`, not both",
            )
        elif identifier is None and (unique is None or alternate is None):
            self.problem(
                item.where,
                "an external_object needs `identifier` (a DOI or URL), or both `unique_name` "
                "and `alternate_identifier_type`",
            )


def _flatten_use(values: dict[str, Located[Any]]) -> dict[str, Located[Any]]:
    return {k.replace("use.", "use_"): v for k, v in values.items()}


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == f"{_YAML}null"


def _got(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return ", got a mapping"
    if isinstance(node, yaml.SequenceNode):
        return ", got a list"
    if _is_null(node):
        return ", got nothing"
    return f", got `{node.value}`"


def _three_parts(number: str) -> str:
    parts = [*number.split("."), "0", "0"][:3]
    return ".".join(p or "0" for p in parts)


def _is_source_root(root: str) -> bool:
    lowered = root.lower()
    return (
        lowered.startswith(("http://", "https://", "file://"))
        or root.startswith("/")
        or (len(root) > 2 and root[1] == ":" and root[2] in "/\\")
    )
