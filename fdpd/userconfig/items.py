"""Read and write items → explicit entries: defaults, shorthands, namespaces, wildcards, versions.

Steps 3 to 6 of the working config's generation (docs/config.md), against the local registry view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from fdpd.store.containment import UnsafePath, safe_extension, unsafe_reason
from fdpd.store.containment import shown as show
from fdpd.userconfig.context import RemoteVersions, WritesInProgress
from fdpd.userconfig.errors import Failed, ProblemCollector
from fdpd.userconfig.model import Located, ReadItem, Where, WriteItem
from fdpd.userconfig.registry_view import RegistryView
from fdpd.userconfig.substitution import Substituter
from fdpd.userconfig.templates import RUN_ID
from fdpd.userconfig.versions import (
    PULL_SUGGESTION,
    VersionProblem,
    resolve_read,
    resolve_write,
    token_of,
)
from fdpd.userconfig.wildcards import any_depth_note, expand, is_pattern, left_out_note


@dataclass(frozen=True)
class Defaults:
    input_namespace: str
    output_namespace: str
    read_version: str
    write_version: str
    public: bool
    python_api: bool = True  # the job may run pyDataPipeline (`script.may_run_python`)


@dataclass(frozen=True)
class ResolvedRead:
    alias: str
    description: str | None
    namespace: str
    name: str
    version: str
    origin: Where  # the user's item
    pattern: str | None = None  # the wildcard this entry was expanded from


@dataclass(frozen=True)
class ResolvedWrite:
    alias: str
    description: str
    file_type: str
    public: bool
    namespace: str
    name: str
    version: str
    origin: Where
    pattern: str | None = None


class ItemResolver:
    def __init__(
        self,
        defaults: Defaults,
        registry: RegistryView,
        sub: Substituter,
        problems: ProblemCollector,
        warnings: ProblemCollector,
        remote_versions: RemoteVersions | None = None,
        writes_in_progress: WritesInProgress | None = None,
    ) -> None:
        self.defaults = defaults
        self.registry = registry
        self.remote_versions = remote_versions or {}
        self.writing: WritesInProgress = writes_in_progress or {}
        self.sub = sub
        self.problems = problems
        self.warnings = warnings

    def reads(self, items: tuple[ReadItem, ...]) -> list[ResolvedRead]:
        resolved: list[ResolvedRead] = []
        for item in items:
            try:
                resolved += self._read(item)
            except Failed:
                continue
        return resolved

    def writes(self, items: tuple[WriteItem, ...]) -> list[ResolvedWrite]:
        resolved: list[ResolvedWrite] = []
        for item in items:
            try:
                resolved += self._write(item)
            except Failed:
                continue
        return resolved

    def _read(self, item: ReadItem) -> list[ResolvedRead]:
        alias = self.sub.text(item.data_product)
        namespace = self._pick(item.namespace, item.use_namespace) or self.defaults.input_namespace
        version = self._pick(item.version, item.use_version)
        if item.use_cache is not None and (version is None or token_of(version) is not None):
            self._fail(item.use_cache.where, "use.cache needs an exact version", "add `version`")
        spec = version or self.defaults.read_version
        description = self.sub.optional(item.description)
        if not is_pattern(alias):
            name = self.sub.optional(item.use_data_product) or alias
            versions = self.registry.data_product_versions(namespace, name)
            where = _spec_where(item.version, item.use_version, item.data_product.where)
            found = self._version(where, self._read_version, spec, namespace, name, versions)
            return [ResolvedRead(alias, description, namespace, name, found, item.where)]
        self._no_use_name(item.use_data_product)
        names, note = self._expand(item.data_product.where, alias, namespace)
        entries = []
        for name in names:
            versions = self.registry.data_product_versions(namespace, name)
            try:
                found = resolve_read(spec, namespace, name, versions)
            except VersionProblem:
                continue  # a pattern skips names lacking the version
            entries.append(
                ResolvedRead(name, description, namespace, name, found, item.where, alias)
            )
        if not entries:
            at = "" if token_of(spec) else f" at version {spec}"
            self._fail(
                item.data_product.where,
                f"pattern `{alias}` matched nothing{at} in namespace `{namespace}`"
                + (f"; {note}" if note else ""),
                PULL_SUGGESTION,
            )
        return entries

    def _write(self, item: WriteItem) -> list[ResolvedWrite]:
        alias = self.sub.text(item.data_product)
        namespace = self._pick(item.namespace, item.use_namespace) or self.defaults.output_namespace
        spec = self._pick(item.version, item.use_version) or self.defaults.write_version
        description = self.sub.optional(item.description)
        file_type = self.sub.text(item.file_type)
        public = item.public.value if item.public is not None else self.defaults.public
        self._contained(item, namespace, alias, file_type)
        if not is_pattern(alias):
            name = self.sub.optional(item.use_data_product) or alias
            self._contained_name(item, name)
            where = _spec_where(item.version, item.use_version, item.data_product.where)
            found = self._write_version(where, spec, namespace, name)
            self._contained_version(where, found)
            write = ResolvedWrite(
                alias, description or name, file_type, public, namespace, name, found, item.where
            )
            self._portability(write)
            return [write]
        self._no_use_name(item.use_data_product)
        if f"${{{{{RUN_ID}}}}}" in alias:
            self._fail(item.data_product.where, "${{RUN_ID}} cannot be combined with `*`")
        names, note = self._expand(item.data_product.where, alias, namespace)
        if not names:
            self.warnings.add(
                item.data_product.where,
                f"write pattern `{alias}` matched nothing in namespace `{namespace}`; dropped"
                + (f"; {note}" if note else "")
                + ": pyDataPipeline writes only names the working config lists (FAIR-CLI 0.11.0 "
                "kept the pattern, and pyDataPipeline then failed in finalise, its file left in "
                "a folder named `*`)",
                "list each new output as a write item of its own: "
                f"`- data_product: {alias.replace('**', '*').replace('*', 'NAME')}`",
            )
        writes = []
        for name in names:
            self._contained_name(item, name)
            where = _spec_where(item.version, item.use_version, item.data_product.where)
            found = self._write_version(where, spec, namespace, name)
            self._contained_version(where, found)
            write = ResolvedWrite(
                name,
                description or name,
                file_type,
                public,
                namespace,
                name,
                found,
                item.where,
                alias,
            )
            self._portability(write)
            writes.append(write)
        return writes

    def _expand(self, where: Where, pattern: str, namespace: str) -> tuple[list[str], str | None]:
        """The local names `pattern` matches, and a warning (also recorded) where the fnmatch
        reading would take more (docs/config.md, "Patterns")."""
        known = self.registry.data_product_names(namespace)
        note = left_out_note(pattern, known)
        names = expand(pattern, known)
        if note is not None and names:
            self.warnings.add(where, note)
        deeper = any_depth_note(pattern, known)
        if deeper is not None:
            self.warnings.add(where, deeper)
        return names, note

    def _contained(self, item: WriteItem, namespace: str, alias: str, file_type: str) -> None:
        """A write's names become the data store path its output is written to: refuse any
        that would leave the store (the language API writes where these say)."""
        namespace_given = item.namespace or item.use_namespace
        self._safe(namespace_given.where if namespace_given else item.where, namespace, "namespace")
        # `*` is a pattern character here, checked again on each expanded name
        self._safe(item.data_product.where, alias.replace("*", "x"), "data_product", shown=alias)
        try:
            safe_extension(file_type, "file_type")
        except UnsafePath as refused:
            self._fail(item.file_type.where, refused.message, refused.hint or "")

    def _contained_name(self, item: WriteItem, name: str) -> None:
        where = item.use_data_product.where if item.use_data_product else item.data_product.where
        self._safe(where, name, "data_product")

    def _contained_version(self, where: Where, version: str) -> None:
        self._safe(where, version, "version", slashes=False)

    def _safe(
        self, where: Where, value: str, what: str, *, slashes: bool = True, shown: str = ""
    ) -> None:
        reason = unsafe_reason(value, slashes=slashes)
        if reason is not None:
            self._fail(
                where,
                f"write {what} {show(shown or value)} cannot name a file in the data store: "
                f"{reason} (refused: it would leave the data store)",
                "names are relative paths of plain segments: no '..', no leading '/', "
                "no control characters",
            )

    def _read_version(self, spec: str, namespace: str, name: str, versions: Sequence[str]) -> str:
        try:
            return resolve_read(spec, namespace, name, versions)
        except VersionProblem as exc:
            if not self.registry.namespace_exists(namespace):
                exc.message += f" (there is no namespace `{namespace}` locally)"
            raise

    def _write_version(self, where: Where, spec: str, namespace: str, name: str) -> str:
        """The version a write gets: new locally and on every remote the journal saw."""
        local = self.registry.data_product_versions(namespace, name)
        on_remotes = self.remote_versions.get((namespace, name), {})
        if token_of(spec) is None and spec in on_remotes and spec not in local:
            self._fail(
                where,
                f"`{namespace}:{name}@{spec}` exists on remote {on_remotes[spec]} (gc or delete "
                "removed its local copy): a write must make a new version",
                "use a bump token such as ${{PATCH}}, or a higher version",
            )
        existing = [*local, *(v for v in on_remotes if v not in local)]
        return self._version(where, self._resolve_write, spec, namespace, name, existing)

    def _resolve_write(self, spec: str, namespace: str, name: str, versions: Sequence[str]) -> str:
        """resolve_write, also past the versions running jobs are writing."""
        writing: Mapping[str, str] = self.writing.get((namespace, name), {})
        return resolve_write(spec, namespace, name, versions, writing)

    def _pick(self, short: Located[str] | None, use: Located[str] | None) -> str | None:
        """A shorthand (`version`) or its `use.` form; both given and different is an error."""
        short_value, use_value = self.sub.optional(short), self.sub.optional(use)
        if short is not None and use is not None and short_value != use_value:
            key = short.where.key_path.rsplit(".", 1)[-1]
            self._fail(
                use.where,
                f"`{key}` is `{short_value}` (line {short.where.line}) but `use.{key}` is "
                f"`{use_value}`",
                "give only one of them",
            )
        return short_value if short_value is not None else use_value

    def _no_use_name(self, use_name: Located[str] | None) -> None:
        if use_name is not None:
            self._fail(
                use_name.where,
                "use.data_product cannot be given on a wildcard item: each match uses its own name",
            )

    def _version(
        self,
        where: Where,
        resolve: Callable[[str, str, str, Sequence[str]], str],
        spec: str,
        namespace: str,
        name: str,
        versions: Sequence[str],
    ) -> str:
        try:
            return resolve(spec, namespace, name, versions)
        except VersionProblem as exc:
            self._fail(where, exc.message, exc.suggestion)

    def _fail(self, where: Where, message: str, suggestion: str = "") -> NoReturn:
        self.problems.add(where, message, suggestion)
        raise Failed

    def _portability(self, write: ResolvedWrite) -> None:
        """Warn where pyDataPipeline would not honour the item (docs/config.md); only for a job
        that may run it (an R job's API is another, with other habits)."""
        if not self.defaults.python_api:
            return
        label = f"write `{write.alias}`"
        if write.namespace != self.defaults.output_namespace:
            self.warnings.add(
                write.origin,
                f"{label} goes to namespace `{write.namespace}`, but pyDataPipeline writes every "
                f"output to default_output_namespace `{self.defaults.output_namespace}`",
            )
        if write.name != write.alias:
            self.warnings.add(
                write.origin,
                f"{label} names data product `{write.name}`, but pyDataPipeline registers it "
                f"under the alias `{write.alias}`",
            )
        if write.public != self.defaults.public:
            self.warnings.add(
                write.origin,
                f"{label} sets public: {str(write.public).lower()}, but pyDataPipeline uses "
                f"run_metadata.public ({str(self.defaults.public).lower()})",
            )


def _spec_where(short: Located[str] | None, use: Located[str] | None, fallback: Where) -> Where:
    given = short or use
    return given.where if given is not None else fallback
