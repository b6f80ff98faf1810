"""W3C PROV documents of a data product, in the reference registry's vocabulary.

The document is the one the reference registry (FAIRDataPipeline/data-registry) answers at
`/api/prov-report/<id>/`, so tools written for it read ours. Records are named by their API path
under the registry prefix, `lreg` (this registry's base URL; `reg` when serving the central
registry itself), e.g. `lreg:api/data_product/1`. What each record says:

* data products (`rdf:type dcat:Dataset`): their object's `dcterms:modified` (xsd:dateTime),
  `prov:atLocation` (the storage location's full address), `dcterms:description`,
  `dcterms:format` (file type name), `fair:issue` (one per component issue) and, for every data
  product sharing the object, `fair:namespace`, `dcterms:title` and `dcat:hasVersion`;
* object authors: agents `lreg:api/author/<id>` (`rdf:type prov:Person`, `foaf:name`,
  `dcterms:identifier`), `wasAttributedTo` with `prov:role dcterms:creator`;
* an external object of a data product: entity `lreg:api/external_object/<id>` (`dcat:Dataset`,
  `dcterms:title`, `dcterms:issued`, ...), `specializationOf` the data product;
* the code runs that wrote it: activities (`rdf:type fair:Run`, start time, description), the
  product `wasGeneratedBy` each, `wasStartedBy` the user's author (or the user, `api/users/<id>`)
  with `prov:role fair:code_runner`, and `used` with roles `fair:software` (code repo release,
  `dcmitype:Software`, or the plain repo object), `fair:model_configuration`,
  `fair:submission_script` (`dcmitype:Software`) and `fair:input_data` (input data products,
  which the product `wasDerivedFrom`).

`depth` counts code-run levels: depth 1 (also for smaller values) is the runs that wrote the
product and what they used; depth 2 adds the runs that wrote those inputs, and so on. Every format
is written from the one ProvDocument (`fdpregistry.prov_formats`). Images need Graphviz and
pydot, which are not dependencies: they are answered with 406.

Where the reference is odd, fdp is not: every record appears once (the reference repeats a run's
user agent per level, and objects shared by runs), a user's author is always described with
`dcterms:identifier` (the reference says `fair:identifier` when it meets that author first as a
runner), an input object with no data product is still shown as used, and JSON-LD Attribution
nodes name their `prov:agent` (the reference's prov 2 leaves it out).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session

from fdpregistry.lineage import (
    Record,
    first,
    generating_runs,
    object_authors,
    record,
    records,
    run_components,
)
from fdpregistry.models import table_named

if TYPE_CHECKING:  # the prov package is imported by the first provenance request, not at start
    from prov.identifier import QualifiedName
    from prov.model import ProvDocument

CENTRAL_REGISTRY = "https://data.fairdatapipeline.org/"
FAIR_VOCAB = f"{CENTRAL_REGISTRY}vocab/#"
# Declared in this order after the registry prefix, as the reference does.
NAMESPACES = {
    "fair": FAIR_VOCAB,
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/spec/#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
UNKNOWN_USER = "User Not Found"  # a user's foaf:name without a full name, as /api/users/ says

Attributes = list[tuple[str, Any]]

_AUTHORS = table_named("author")
_COMPONENTS = table_named("object_component")
_EXTERNALS = table_named("external_object")
_ISSUE_LINKS = table_named("object_component_issues")
_ISSUES = table_named("issue")
_NAMESPACES = table_named("namespace")
_PRODUCTS = table_named("data_product")
_RELEASES = table_named("code_repo_release")
_USER_AUTHORS = table_named("user_author")


@dataclass(frozen=True)
class ProvFormat:
    name: str
    media_type: str
    serializer: str


# Query/format name -> what we answer; images need Graphviz and pydot, so they are 406.
PROV_FORMATS = {
    "json": ProvFormat("json", "application/json", "json"),
    "json-ld": ProvFormat("json-ld", "application/ld+json", "json-ld"),
    "provn": ProvFormat("provn", "text/provenance-notation", "provn"),
    "xml": ProvFormat("xml", "text/xml", "xml"),
}
UNAVAILABLE_FORMATS = {
    "jpg": "image/jpeg",
    "svg": "image/svg+xml",
}


def registry_prefix(base_url: str) -> str:
    return "reg" if base_url.rstrip("/") + "/" == CENTRAL_REGISTRY else "lreg"


def full_address(root: str, path: str) -> str:
    """A storage location's address as the reference writes it: root and path joined by `/`."""
    return posixpath.join(root, path.lstrip("/").lstrip("\\"))


def _utc(moment: datetime) -> datetime:
    """Stored datetimes are UTC, aware or (SQLite) naive."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _kept(attributes: Attributes) -> Attributes:
    return [(name, value) for name, value in attributes if value is not None]


# --- building the document ---------------------------------------------------------------------


class _ProvBuilder:
    """Walks the record graph from one data product and records it in a ProvDocument."""

    def __init__(self, session: Session, base_url: str) -> None:
        from prov.model import ProvDocument

        self.session = session
        self.doc = ProvDocument()
        self.prefix = registry_prefix(base_url)
        self.doc.add_namespace(self.prefix, base_url.rstrip("/") + "/")
        for prefix, uri in NAMESPACES.items():
            self.doc.add_namespace(prefix, uri)
        self._seen: set[str] = set()

    def _first(self, key: str) -> bool:
        """True the first time `key` is recorded; guards against duplicate records and cycles."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _id(self, kind: str, record_id: int | None) -> str:
        return f"{self.prefix}:api/{kind}/{record_id}"

    def _qname(self, name: str) -> QualifiedName:
        qualified = self.doc.valid_qualified_name(name)
        if qualified is None:
            raise ValueError(f"no namespace declared for {name}")
        return qualified

    def _role(self, name: str) -> dict[str, QualifiedName]:
        return {"prov:role": self._qname(name)}

    def build(self, product: Record, depth: int) -> None:
        """Level by level, as the reference: each level adds the runs of the previous inputs."""
        level = [product]
        for _ in range(max(depth, 1)):
            inputs: list[Record] = []
            for current in level:
                if self._first(f"expanded {current.id}"):
                    inputs += self._product_and_runs(current)
            level = inputs

    def _product_and_runs(self, product: Record) -> list[Record]:
        """Adds `product` and the runs that wrote it; returns the data products they read."""
        entity = self.data_product(product)
        obj = record(self.session, "object", product.object_id)
        if obj is None:
            return []
        inputs: list[Record] = []
        for run in generating_runs(self.session, obj):
            activity = self._code_run(run, entity)
            inputs += self._run_inputs(run, activity, entity)
        return inputs

    def _relate(self, key: str, relation: Any, *args: Any, **kwargs: Any) -> None:
        if self._first(key):
            relation(*args, **kwargs)

    # entities ----------------------------------------------------------------------------------

    def data_product(self, product: Record) -> str:
        ident = self._id("data_product", product.id)
        if not self._first(ident):
            return ident
        obj = record(self.session, "object", product.object_id)
        dataset = [("rdf:type", self._qname("dcat:Dataset"))]
        self.doc.entity(ident, dataset + (self._object_meta(obj) if obj else []))
        if obj is not None:
            self._authors(ident, obj)
        self._external_object(ident, product)
        return ident

    def _object_meta(self, obj: Record) -> Attributes:
        """What the reference says of every object-backed entity."""
        attributes: Attributes = [
            ("dcterms:modified", _utc(obj.last_updated)),
            ("prov:atLocation", self._address(obj.storage_location_id)),
            ("dcterms:description", obj.description),
        ]
        for product, namespace in self._products_of(obj):
            attributes += [
                ("fair:namespace", namespace),
                ("dcterms:title", product.name),
                ("dcat:hasVersion", product.version),
            ]
        attributes += [("fair:issue", issue) for issue in self._issues_of(obj)]
        if obj.file_type_id is not None:
            file_type = record(self.session, "file_type", obj.file_type_id)
            attributes.append(("dcterms:format", file_type.name if file_type else None))
        return _kept(attributes)

    def _address(self, location_id: int | None) -> str | None:
        location = record(self.session, "storage_location", location_id)
        if location is None:
            return None
        root = record(self.session, "storage_root", location.storage_root_id)
        return full_address(root.root if root else "", location.path)

    def _products_of(self, obj: Record) -> list[tuple[Record, str]]:
        rows = records(
            self.session,
            select(_PRODUCTS, _NAMESPACES.c.name.label("namespace_name"))
            .join(_NAMESPACES, _NAMESPACES.c.id == _PRODUCTS.c.namespace_id)
            .where(_PRODUCTS.c.object_id == obj.id)
            .order_by(_PRODUCTS.c.id),
        )
        return [(product, product.namespace_name) for product in rows]

    def _issues_of(self, obj: Record) -> list[str]:
        issues = records(
            self.session,
            select(_ISSUES)
            .join(_ISSUE_LINKS, _ISSUE_LINKS.c.issue_id == _ISSUES.c.id)
            .join(_COMPONENTS, _COMPONENTS.c.id == _ISSUE_LINKS.c.component_id)
            .where(_COMPONENTS.c.object_id == obj.id)
            .order_by(_ISSUES.c.id),
        )
        return [f"{row.description} severity: {row.severity} ID: {row.id}" for row in issues]

    def _external_object(self, entity: str, product: Record) -> None:
        external = first(
            self.session, select(_EXTERNALS).where(_EXTERNALS.c.data_product_id == product.id)
        )
        if external is None:
            return
        ident = self._id("external_object", external.id)
        attributes: Attributes = [
            ("rdf:type", self._qname("dcat:Dataset")),
            ("dcterms:title", external.title),
            ("dcterms:issued", _utc(external.release_date)),
            ("dcat:hasVersion", external.version),
            ("dcterms:identifier", external.identifier),
            ("fair:alternate_identifier", external.alternate_identifier),
            ("fair:alternate_identifier_type", external.alternate_identifier_type),
            ("dcterms:description", external.description),
            ("prov:atLocation", self._address(external.original_store_id)),
        ]
        if self._first(ident):
            self.doc.entity(ident, _kept(attributes))
        self._relate(f"specialises {ident}", self.doc.specializationOf, ident, entity)

    def _authors(self, entity: str, obj: Record) -> None:
        for author in object_authors(self.session, obj):
            agent = self._author_agent(author)
            self.doc.wasAttributedTo(entity, agent, other_attributes=self._role("dcterms:creator"))

    def _author_agent(self, author: Record) -> str:
        ident = self._id("author", author.id)
        if self._first(ident):
            attributes: Attributes = [
                ("rdf:type", self._qname("prov:Person")),
                ("foaf:name", author.name),
                ("dcterms:identifier", author.identifier),
            ]
            self.doc.agent(ident, _kept(attributes))
        return ident

    # code runs ---------------------------------------------------------------------------------

    def _code_run(self, run: Record, product: str) -> str:
        """The run's activity, which generated `product`; on first sight also who started it
        and the code, configuration and script it used (its inputs come apart)."""
        ident = self._id("code_run", run.id)
        first = self._first(ident)
        if first:
            attributes: Attributes = [
                ("rdf:type", self._qname("fair:Run")),
                ("dcterms:description", run.description),
            ]
            self.doc.activity(ident, _utc(run.run_date), None, _kept(attributes))
        self._relate(f"generated {product} {ident}", self.doc.wasGeneratedBy, product, ident)
        if first:
            self._run_parts(ident, run)
        return ident

    def _run_parts(self, activity: str, run: Record) -> None:
        runner = self._run_agent(run)
        if runner is not None:
            role = self._role("fair:code_runner")
            self.doc.wasStartedBy(activity, runner, None, _utc(run.run_date), None, role)
        self._code_repo(activity, run.code_repo_id)
        if run.model_config_id is not None:
            self._used_object(activity, run.model_config_id, "fair:model_configuration", None)
        self._used_object(activity, run.submission_script_id, "fair:submission_script", "Software")

    def _run_agent(self, run: Record) -> str | None:
        """The author of the user who wrote the run, else the user."""
        author = first(
            self.session,
            select(_AUTHORS)
            .join(_USER_AUTHORS, _USER_AUTHORS.c.author_id == _AUTHORS.c.id)
            .where(_USER_AUTHORS.c.user_id == run.updated_by_id),
        )
        if author is not None:
            return self._author_agent(author)
        user = record(self.session, "registry_user", run.updated_by_id)
        if user is None:
            return None
        ident = self._id("users", user.id)
        if self._first(ident):
            name = user.full_name or UNKNOWN_USER
            self.doc.agent(ident, [("rdf:type", self._qname("prov:Person")), ("foaf:name", name)])
        return ident

    def _code_repo(self, activity: str, object_id: int | None) -> None:
        if object_id is None:
            return
        release = first(self.session, select(_RELEASES).where(_RELEASES.c.object_id == object_id))
        if release is None:
            self._used_object(activity, object_id, "fair:software", None)
            return
        ident = self._id("code_repo_release", release.id)
        extra: Attributes = [
            ("dcterms:title", release.name),
            ("dcat:hasVersion", release.version),
            ("fair:website", release.website),
        ]
        self._object_entity(ident, object_id, "Software", extra)
        self.doc.used(activity, ident, other_attributes=self._role("fair:software"))

    def _used_object(self, activity: str, object_id: int, role: str, kind: str | None) -> None:
        ident = self._id("object", object_id)
        self._object_entity(ident, object_id, kind, [])
        self.doc.used(activity, ident, other_attributes=self._role(role))

    def _object_entity(
        self, ident: str, object_id: int, kind: str | None, extra: Attributes
    ) -> None:
        """An object used by a run (`kind` a dcmitype class); its authors on first sight."""
        if not self._first(ident):
            return
        obj = record(self.session, "object", object_id)
        typed = [("rdf:type", self._qname(f"dcmitype:{kind}"))] if kind else []
        meta = self._object_meta(obj) if obj else []
        self.doc.entity(ident, typed + meta + _kept(extra))
        if obj is not None:
            self._authors(ident, obj)

    def _run_inputs(self, run: Record, activity: str, entity: str) -> list[Record]:
        """The run `used` its input data products (once) and `entity` was derived from them."""
        found: list[Record] = []
        components = run_components(self.session, run, "inputs")
        for object_id in dict.fromkeys(component.object_id for component in components):
            products = records(
                self.session,
                select(_PRODUCTS)
                .where(_PRODUCTS.c.object_id == object_id)
                .order_by(_PRODUCTS.c.id),
            )
            if not products:  # beyond the reference: inputs that are no data product
                self._input(activity, entity, self._input_object(object_id))
            for product in products:
                self._input(activity, entity, self.data_product(product))
            found += products
        return found

    def _input_object(self, object_id: int) -> str:
        ident = self._id("object", object_id)
        self._object_entity(ident, object_id, None, [])
        return ident

    def _input(self, activity: str, entity: str, source: str) -> None:
        role = self._role("fair:input_data")
        used = f"used {activity} {source}"
        self._relate(used, self.doc.used, activity, source, None, None, role)
        self._relate(f"derived {entity} {source}", self.doc.wasDerivedFrom, entity, source)


def build_prov_document(
    session: Session, product: Record, base_url: str, depth: int = 1
) -> ProvDocument:
    """The provenance of `product` down to `depth` code-run levels (at least 1)."""
    builder = _ProvBuilder(session, base_url)
    builder.build(product, depth)
    return builder.doc
