"""What a user config asks `pull` to do: register items (substituted) and reads for the remote.

Templates are substituted once, at the pull's start instant (docs/config.md: for `pull`, its
start), exactly as generation substitutes them, so the source URL and namespace of a register item
match the key `run`/`generate` look up in the pull records.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from fdpd.journal.models import FdpUser
from fdpd.shared.job_preparation import generation_context
from fdpd.sync import ReadRequest
from fdpd.userconfig import (
    UserConfig,
    parse_user_config,
)
from fdpd.userconfig.context import template_values
from fdpd.userconfig.errors import Failed, ProblemCollector
from fdpd.userconfig.model import Located, ReadItem, RegisterItem, Where
from fdpd.userconfig.semver import parse_version
from fdpd.userconfig.substitution import Substituter
from fdpd.userconfig.versions import LATEST, token_of

# external_object fields copied as text, by config key
EXTERNAL_TEXT_FIELDS = (
    "title",
    "identifier",
    "unique_name",
    "alternate_identifier_type",
    "release_date",
    "release_version",
    "namespace_full_name",
    "namespace_website",
)


@dataclass(frozen=True)
class NamespaceSpec:
    name: str
    full_name: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class AuthorSpec:
    key: str
    name: str | None
    identifier: str | None


@dataclass(frozen=True)
class SourceSpec:
    """A `register:` external_object or data_product, templates substituted."""

    kind: str  # "external_object" or "data_product"
    namespace: str
    name: str
    root: str | None  # None for `no_file: true`
    path: str | None
    file_type: str | None
    version_spec: str  # exact, or a version token in canonical spelling
    public: bool
    authors: tuple[str, ...]
    description: str | None
    where: Where
    extra: dict[str, str] = field(default_factory=dict)  # EXTERNAL_TEXT_FIELDS given
    primary: bool = True

    @property
    def label(self) -> str:
        return f"{self.namespace}:{self.name}"

    @property
    def source_url(self) -> str | None:
        """Where the file is downloaded from: `root` immediately followed by `path`."""
        return self.root + self.path if self.root is not None and self.path is not None else None


@dataclass(frozen=True)
class PlannedRead:
    """A `read:` item as a request for the remote; `label` names it in the result."""

    label: str
    request: ReadRequest
    where: Where


@dataclass(frozen=True)
class PullPlan:
    config: UserConfig
    instant: datetime
    remote_url: str | None  # run_metadata.remote_data_registry_url, substituted
    namespaces: list[NamespaceSpec]
    authors: list[AuthorSpec]
    sources: list[SourceSpec]
    reads: list[PlannedRead]
    warnings: list[str]
    remote_url_at: str = ""  # where the config gives remote_url (FILE:LINE:COLUMN: KEY:)


def plan_pull(
    text: str, filename: str, folder: Path, user: FdpUser, local_registry_url: str
) -> PullPlan:
    """Parse and substitute the config; raises ConfigError naming file, line and key path."""
    config = parse_user_config(text, filename)
    instant = datetime.now()
    problems = ProblemCollector(config.filename)
    sub = Substituter(_template_values(config, folder, user, local_registry_url, instant), problems)
    md = config.run_metadata
    default_namespace = _optional(sub, md.default_input_namespace) or user.namespace
    default_read = _optional(sub, md.default_read_version) or LATEST
    remote_url = _optional(sub, md.remote_data_registry_url)
    namespaces, authors, sources = [], [], []
    notes = ProblemCollector(config.filename)  # warnings
    for item in config.register:
        try:
            if item.kind == "namespace":
                namespaces.append(_namespace(item, sub))
            elif item.kind == "author":
                authors.append(_author(item, sub, notes))
            else:
                sources.append(_source(item, sub, default_namespace, md.public))
        except Failed:
            continue
    registered_products = {(s.namespace, s.name) for s in sources}
    registered_names = {s.name for s in sources}
    reads: list[PlannedRead] = []
    warnings = [note.render() for note in notes.problems]
    for read in config.read:
        try:
            planned = _read(read, sub, default_namespace, default_read)
        except Failed:
            continue
        request = planned.request
        if (request.namespace, request.name) in registered_products or (
            planned.label in registered_names
        ):
            continue  # registered above (docs/config.md: registrations come first)
        if read.use_cache is not None:
            public = md.public.value if md.public is not None else True
            with contextlib.suppress(Failed):
                sources.append(_cache_source(read, planned, public, sub, problems, folder))
            continue
        reads.append(planned)
    problems.raise_if_any()
    given = md.remote_data_registry_url
    at = given.where if given is not None else None
    located = f"{config.filename}:{at.line}:{at.column}: {at.key_path}:" if at else ""
    return PullPlan(
        config, instant, remote_url, namespaces, authors, sources, reads, warnings, located
    )


def _template_values(
    config: UserConfig, folder: Path, user: FdpUser, registry_url: str, instant: datetime
) -> Callable[[str], str]:
    # A pull has no job folder; ${{CONFIG_DIR}} names the config's folder.
    ctx, local_repo = generation_context(
        config, folder, user, registry_url, instant, job_dir=folder
    )
    return template_values(ctx, config.filename, local_repo)


def _optional(sub: Substituter, value: Located[str] | None) -> str | None:
    try:
        return sub.optional(value)
    except Failed:
        return None


def _namespace(item: RegisterItem, sub: Substituter) -> NamespaceSpec:
    return NamespaceSpec(
        sub.text(item.name),
        sub.optional(item.text("full_name")),
        sub.optional(item.text("website")),
    )


def _author(item: RegisterItem, sub: Substituter, notes: ProblemCollector) -> AuthorSpec:
    """An author; without `name`, the `author:` value is the name, as FAIR-CLI 0.11.0 took it
    (it never read `name`, so a different `name` is a difference fdp points out)."""
    key = sub.text(item.name)
    name = sub.optional(item.text("name"))
    given = item.text("name")
    if given is not None and name != key:
        notes.add(
            given.where,
            f"author `{key}` is registered with the name `{name}` (FAIR-CLI 0.11.0 registered "
            f"the `author:` value, `{key}`, as the name)",
        )
    return AuthorSpec(key, name or key, sub.optional(item.text("identifier")))


def _source(
    item: RegisterItem,
    sub: Substituter,
    default_namespace: str,
    default_public: Located[bool] | None,
) -> SourceSpec:
    version = item.text("version")
    assert version is not None  # required by the parser
    public = item.flag("public") or default_public
    authors = item.texts("authors")
    root, path = item.text("root"), item.text("path")
    file_type = sub.optional(item.text("file_type"))
    primary = item.flag("primary")
    extra = {}
    if item.kind == "external_object":
        for key in EXTERNAL_TEXT_FIELDS:
            value = sub.optional(item.text(key))
            if value is not None:
                extra[key] = value
    return SourceSpec(
        kind=item.kind,
        namespace=sub.optional(item.namespace_field()) or default_namespace,
        name=sub.text(item.name),
        root=sub.optional(root),
        path=sub.optional(path),
        file_type=file_type.lstrip(".") if file_type else None,
        version_spec=sub.text(version),
        public=public.value if public is not None else True,
        authors=authors.value if authors is not None else (),
        description=sub.optional(item.text("description")),
        where=item.where,
        extra=extra,
        primary=primary.value if primary is not None else True,
    )


def _cache_source(
    read: ReadItem,
    planned: PlannedRead,
    public: bool,
    sub: Substituter,
    problems: ProblemCollector,
    folder: Path,
) -> SourceSpec:
    """A read with `use.cache`: its local file registered under the read's exact version."""
    assert read.use_cache is not None
    cache, request = read.use_cache, planned.request
    version = request.version or ""
    if token_of(version) is not None or parse_version(version) is None:
        problems.add(cache.where, "use.cache needs an exact version", "add `version: 1.0.0`")
        raise Failed
    file = Path(sub.text(cache)).expanduser()
    file = file if file.is_absolute() else folder / file
    if not file.is_file():
        problem = "is not a regular file" if file.exists() else "does not exist"
        problems.add(cache.where, f"use.cache file {file} {problem}", "check the path")
        raise Failed
    return SourceSpec(
        kind="data_product",
        namespace=request.namespace,
        name=request.name,
        root=file.parent.as_uri().rstrip("/") + "/",
        path=quote(file.name),
        file_type=file.suffix.lstrip(".") or None,
        version_spec=version,
        public=public,
        authors=(),
        description=sub.optional(read.description),
        where=read.where,
    )


def _read(
    item: ReadItem, sub: Substituter, default_namespace: str, default_read: str
) -> PlannedRead:
    alias = sub.text(item.data_product)
    name = sub.optional(item.use_data_product) or alias
    namespace = sub.optional(item.namespace) or sub.optional(item.use_namespace)
    version = sub.optional(item.version) or sub.optional(item.use_version) or default_read
    request = ReadRequest(namespace or default_namespace, name, version)
    return PlannedRead(alias, request, item.where)
