"""`register:` items into the local registry (docs/config.md), with no network look-ups of
identifiers.

Per source (external_object or data_product): download first (nothing is written before the file
is complete), choose the version from its SHA-1, keep the file as
`<store>/<namespace>/<name>/<version>.<ext>`, then create storage root and location, file type,
authors, object, data product and, for an external object, its external_object record. The
version registered is recorded as a pull record for `run`/`generate`.

Versions a remote holds whose local records gc or delete removed count as registered: a bump
goes past them, and the same file under one of them comes back as that version, its object
with the remote object's uuid, so that push finds the remote's records instead of making
them twice. A file identical to one a storage location already names is not kept a second
time (the registry keeps one location per hash).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fdpd.base.cancellation import abortable, checkpoint
from fdpd.base.errors import Conflict, FdpError
from fdpd.base.paths import Locations
from fdpd.features.pull.local_records import LocalRecords
from fdpd.features.pull.outcome import ItemResult
from fdpd.features.pull.plan import AuthorSpec, NamespaceSpec, PullPlan, SourceSpec
from fdpd.features.pull.sources import FetchedFile, fetch_source, local_source_problem
from fdpd.features.pull.versions import VersionChoice, choose_version, compared_version
from fdpd.journal import Journal
from fdpd.journal.models import FdpUser, RemoteVersion
from fdpd.journal.remote_versions import SeenVersions
from fdpd.remote.client import Record
from fdpd.remote.links import link_path, parse_link
from fdpd.shared.pull_records import save_pull_record
from fdpd.store.containment import contained_path, safe_extension, safe_name, store_file_path
from fdpd.sync.transfers import file_matches
from fdpd.userconfig.errors import ProblemCollector
from fdpd.userconfig.model import Where

BytesCallback = Callable[[int], None]


@dataclass
class Registrar:
    """Registers one pull's `register:` items for `user` in the local registry."""

    records: LocalRecords
    user: FdpUser
    journal: Journal
    operation_id: int | None
    instant: datetime
    on_bytes: BytesCallback | None = None
    on_step: Callable[[int, int], None] | None = None  # (items done, items in all)
    seen: SeenVersions = field(default_factory=dict)  # on remotes, local records removed

    @property
    def store(self) -> Path:
        return Path(self.user.data_store)

    async def register_all(self, plan: PullPlan) -> list[ItemResult]:
        """Namespaces and authors first, then each source; a failed item does not stop the rest."""
        results: list[ItemResult] = []
        total = len(plan.namespaces) + len(plan.authors) + len(plan.sources)
        self._step(0, total)
        authors: dict[str, Record] = {}
        steps: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
            *((f"namespace {n.name}", self._namespace, (n,)) for n in plan.namespaces),
            *((f"author {a.key}", self._author, (a, authors)) for a in plan.authors),
            *((s.label, self._source, (s, authors)) for s in plan.sources),
        ]
        for label, step, args in steps:
            checkpoint("between register items")
            results.append(await self._guarded(label, step, *args))
            self._step(len(results), total)
        return results

    def _step(self, done: int, total: int) -> None:
        if self.on_step is not None:
            self.on_step(done, total)

    async def _guarded(self, label: str, step: Callable[..., Any], *args: Any) -> ItemResult:
        try:
            result: ItemResult = await step(*args)
        except FdpError as error:
            return ItemResult(label, "failed", kind="register", reason=error.message)
        return result

    async def _namespace(self, spec: NamespaceSpec) -> ItemResult:
        record = await self.records.namespace(spec.name, spec.full_name, spec.website)
        return ItemResult(
            f"namespace {spec.name}", "registered", kind="register", local_url=record["url"]
        )

    async def _author(self, spec: AuthorSpec, authors: dict[str, Record]) -> ItemResult:
        record = await self.records.author(spec.name, spec.identifier)
        authors[spec.key] = record
        if spec.identifier:
            authors[spec.identifier] = record
        return ItemResult(
            f"author {spec.key}", "registered", kind="register", local_url=record["url"]
        )

    async def _source(self, spec: SourceSpec, authors: dict[str, Record]) -> ItemResult:
        _check_names(spec)  # before anything is downloaded or registered
        fetched = None
        if spec.source_url is not None:
            fetching = fetch_source(spec.source_url, self.store, self.on_bytes)
            fetched = await abortable(fetching, f"while downloading the source of {spec.label}")
        try:
            return await self._register_source(spec, authors, fetched)
        finally:
            if fetched is not None:
                fetched.discard()  # a no-op once the file was kept under its final name

    async def _register_source(
        self,
        spec: SourceSpec,
        authors: dict[str, Record],
        fetched: FetchedFile | None,
    ) -> ItemResult:
        full_name = spec.extra.get("namespace_full_name")
        namespace = await self.records.namespace(
            spec.namespace, full_name, spec.extra.get("namespace_website")
        )
        versions = await self.records.product_versions(namespace, spec.name)
        removed = {
            version: row
            for version, row in self.seen.get((spec.namespace, spec.name), {}).items()
            if version not in versions
        }
        sha1 = fetched.sha1 if fetched is not None else None
        choice = await self._choose(spec, versions, removed, sha1)
        label = f"{spec.label}@{choice.version}"
        if not choice.new and choice.version in versions:
            product = versions[choice.version]
            self._remember(spec, choice.version, sha1 or "", product)
            return ItemResult(label, "present", kind="register", local_url=product["url"])
        again = removed.get(choice.version)  # not new: a remote holds this very file
        destination = await self._keep(spec, choice.version, fetched)
        try:
            product = await self._create_records(
                spec, namespace, choice.version, sha1, authors, again.object_uuid if again else None
            )
        except BaseException:
            if destination is not None:
                destination.unlink(missing_ok=True)
            raise
        self._remember(spec, choice.version, sha1 or "", product)
        size = fetched.size if fetched is not None else 0
        return ItemResult(
            label,
            "registered",
            kind="register",
            local_url=product["url"],
            remote_url=again.remote_url if again else None,
            reason=f"as remote {again.remote} holds it" if again else "",
            bytes=size,
        )

    async def _choose(
        self,
        spec: SourceSpec,
        versions: dict[str, Record],
        removed: dict[str, RemoteVersion],
        sha1: str | None,
    ) -> VersionChoice:
        """The version to register, among the local versions and those remotes hold."""
        known = [*versions, *removed]
        compared = compared_version(spec.version_spec, known)
        compared_sha1 = None
        if compared in versions:
            compared_sha1 = await self.records.file_hash(versions[compared])
        elif compared is not None:
            compared_sha1 = removed[compared].sha1
        try:
            return choose_version(spec.version_spec, spec.label, known, compared_sha1, sha1)
        except Conflict as conflict:
            if compared not in removed:
                raise
            row = removed[compared]
            raise Conflict(
                f"{spec.label}@{compared} is on remote {row.remote} ({row.remote_url}) with "
                f"another file (SHA-1 {row.sha1}; this one has {sha1}); gc or delete removed "
                "its local copy",
                hint="give a new version, or a bump token such as ${{PATCH}}",
                code=conflict.code,
            ) from None

    async def _keep(
        self, spec: SourceSpec, version: str, fetched: FetchedFile | None
    ) -> Path | None:
        """Put the downloaded file in the store: the file made here, to remove if registering
        fails, or None. A location naming the same content already gets no second copy (its
        file is put back if it went missing)."""
        if fetched is None:
            return None
        existing = None
        if spec.file_type:
            root = await self.records.storage_root(f"file://{self.store.absolute()}/", local=True)
            existing = await self.records.find_storage_location(root, fetched.sha1, spec.public)
        if existing is None:
            destination = self._destination(spec, version)
            fetched.keep_as(destination)
            return destination
        named = contained_path(self.store, str(existing["path"]))
        if not await file_matches(named, fetched.sha1):
            fetched.keep_as(named)
        return None

    def _destination(self, spec: SourceSpec, version: str) -> Path:
        return self._store_path(spec, version)[0]

    def _relative(self, spec: SourceSpec, version: str) -> str:
        return self._store_path(spec, version)[1]

    def _store_path(self, spec: SourceSpec, version: str) -> tuple[Path, str]:
        """Where the item's file goes, checked to stay inside the data store."""
        return store_file_path(self.store, spec.namespace, spec.name, version, spec.file_type or "")

    async def _create_records(
        self,
        spec: SourceSpec,
        namespace: Record,
        version: str,
        sha1: str | None,
        authors: dict[str, Record],
        object_uuid: str | None = None,
    ) -> Record:
        obj: dict[str, Any] = {
            "description": spec.description or spec.extra.get("title") or spec.name,
            "authors": [a["url"] for a in await self._authors(spec, authors)],
        }
        if object_uuid:
            obj["uuid"] = object_uuid
        if sha1 is not None and spec.file_type:
            root = await self.records.storage_root(f"file://{self.store.absolute()}/", local=True)
            location = await self.records.storage_location(
                root, self._relative(spec, version), sha1, spec.public
            )
            obj["storage_location"] = location["url"]
            obj["file_type"] = (await self.records.file_type(spec.file_type))["url"]
        client = self.records.client
        created_object = await client.post("object", obj)
        if created_object is None:  # only a uuid is unique: that object is here already
            created_object = await self.records.object_by_uuid(str(object_uuid))
        product, _ = await client.create(
            "data_product",
            {
                "namespace": namespace["url"],
                "name": spec.name,
                "version": version,
                "object": created_object["url"],
            },
            {"namespace": parse_link(namespace["url"]).id, "name": spec.name, "version": version},
        )
        if spec.kind == "external_object":
            await client.post("external_object", await self._external(spec, product, sha1))
        return product

    async def _authors(self, spec: SourceSpec, known: dict[str, Record]) -> list[Record]:
        if not spec.authors:
            return [{"url": self.records.client.absolute(self.user.author_url)}]
        found = []
        for entry in spec.authors:
            found.append(known.get(entry) or await self.records.author(None, entry))
        return found

    async def _external(
        self, spec: SourceSpec, product: Record, sha1: str | None
    ) -> dict[str, Any]:
        extra = spec.extra
        body: dict[str, Any] = {
            "data_product": product["url"],
            "title": extra.get("title", spec.name),
            "description": spec.description,
            "primary_not_supplement": spec.primary,
            "release_date": extra.get("release_date") or self.instant.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if "identifier" in extra:
            body["identifier"] = extra["identifier"]
        else:
            body["alternate_identifier"] = extra.get("unique_name")
            body["alternate_identifier_type"] = extra.get("alternate_identifier_type")
        if spec.root is not None and spec.path is not None and sha1 is not None:
            root = await self.records.storage_root(
                spec.root, local=spec.root.startswith(("file:", "/"))
            )
            original = await self.records.storage_location(root, spec.path, sha1, spec.public)
            body["original_store"] = original["url"]
        return body

    def _remember(self, spec: SourceSpec, version: str, sha1: str, product: Record) -> None:
        if spec.source_url is None:
            return  # items without a file give no read, so `run` needs no record of them
        save_pull_record(
            self.journal,
            namespace=spec.namespace,
            name=spec.name,
            source_url=spec.source_url,
            version=version,
            sha1=sha1,
            data_product=link_path(product["url"]),
            operation_id=self.operation_id,
        )


_SOURCE_ADVICE = {
    "root": "register files from a folder of your own",
    "path": "give a path to a file inside root (a folder of your own)",
}


def check_local_sources(plan: PullPlan, locations: Locations) -> None:
    """Refuse, before anything is registered, a config whose local source leaves its root or
    names the kernel's trees or fdp's own folders: a ConfigError naming file, line and key."""
    problems = ProblemCollector(plan.config.filename)
    for spec in plan.sources:
        if spec.root is None or spec.path is None:
            continue
        problem = local_source_problem(spec.root, spec.path, locations)
        if problem is None:
            continue
        key, message = problem
        at = spec.where
        if at.key_path.startswith("register"):
            at = Where(f"{at.key_path}.{key}", at.line, at.column)
        else:  # a read's `use.cache` file
            at = Where(f"{at.key_path}.use.cache", at.line, at.column)
        problems.add(at, message, _SOURCE_ADVICE[key])
    problems.raise_if_any()


def _check_names(spec: SourceSpec) -> None:
    """A `register:` item's names become folders and files: refuse what would leave the store."""
    at = spec.where
    where = f"{at.key_path} (line {at.line}, column {at.column})"
    safe_name(spec.namespace, f"{where}: namespace")
    safe_name(spec.name, f"{where}: data product name")
    if spec.file_type:
        safe_extension(spec.file_type, f"{where}: file_type")
