"""W3C PROV documents of a data product: how it came to be, built from registry records.

The document names every record by its API path under the `lreg` prefix (this registry's base URL),
e.g. `lreg:api/data_product/1`, `lreg:api/code_run/3`. `depth` counts code-run levels: depth 1 is
the run that wrote the product and what that run used; depth 2 adds the runs that wrote those
inputs, and so on. The `prov` library does all serialisation (PROV-JSON, PROV-JSON-LD, PROV-N).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from prov.model import ProvDocument
from sqlmodel import Session, col, select

from fdpd.registry.lineage import (
    generating_runs,
    object_authors,
    object_location,
    run_components,
)
from fdpd.registry.models import (
    CodeRun,
    CodeRunInput,
    DataProduct,
    ExternalObject,
    FileType,
    Namespace,
    Object,
    ObjectComponent,
    User,
)

FAIR_VOCAB = "https://data.fairdatapipeline.org/vocab/#"
NAMESPACES = {
    "fair": FAIR_VOCAB,
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/spec/#",
}


@dataclass(frozen=True)
class ProvFormat:
    name: str
    media_type: str
    serializer: str


# Query/format name -> what we answer. XML needs lxml and images need Graphviz: neither is a
# dependency, so those formats are answered with 406.
PROV_FORMATS = {
    "json": ProvFormat("json", "application/json", "json"),
    "json-ld": ProvFormat("json-ld", "application/ld+json", "jsonld"),
    "provn": ProvFormat("provn", "text/provenance-notation", "provn"),
}
UNAVAILABLE_FORMATS = {
    "xml": "text/xml",
    "jpg": "image/jpeg",
    "svg": "image/svg+xml",
}


def serialise(document: ProvDocument, fmt: ProvFormat) -> bytes:
    if fmt.serializer == "provn":
        return document.get_provn().encode("utf-8")
    stream = io.StringIO()
    document.serialize(stream, format=fmt.serializer)
    return stream.getvalue().encode("utf-8")


class _ProvBuilder:
    """Walks the record graph from one data product and records it in a ProvDocument."""

    def __init__(self, session: Session, base_url: str, with_attributes: bool) -> None:
        self.session = session
        self.doc = ProvDocument()
        self.doc.add_namespace("lreg", base_url.rstrip("/") + "/")
        for prefix, uri in NAMESPACES.items():
            self.doc.add_namespace(prefix, uri)
        self.with_attributes = with_attributes
        self._seen: set[str] = set()

    def _first(self, key: str) -> bool:
        """True the first time `key` is recorded; guards against duplicate records and cycles."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _attrs(self, attributes: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in attributes.items() if v is not None}
        if self.with_attributes:
            return kept
        return {k: v for k, v in kept.items() if k == "prov:type"}

    def data_product(self, product: DataProduct, depth: int) -> str:
        ident = f"lreg:api/data_product/{product.id}"
        if not self._first(ident):
            return ident
        namespace = self.session.get(Namespace, product.namespace_id)
        obj = self.session.get(Object, product.object_id)
        namespace_name = namespace.name if namespace else "?"
        attributes: dict[str, Any] = {
            "prov:type": "dcat:Dataset",
            "prov:label": f"{namespace_name}:{product.name}@v{product.version}",
            "fair:namespace": namespace_name,
            "dcterms:title": product.name,
            "dcat:hasVersion": product.version,
        }
        if obj is not None:
            attributes |= self._object_attributes(obj)
        attributes |= self._external_attributes(product)
        self.doc.entity(ident, self._attrs(attributes))
        if obj is not None:
            self._authors(ident, obj)
            self._generating_runs(ident, obj, depth)
        return ident

    def _object_attributes(self, obj: Object) -> dict[str, Any]:
        attributes: dict[str, Any] = {"dcterms:description": obj.description}
        if obj.file_type_id is not None:
            file_type = self.session.get(FileType, obj.file_type_id)
            attributes["dcterms:format"] = file_type.name if file_type else None
        location = object_location(self.session, obj)
        if location is not None:
            attributes["fair:storage_location"], attributes["fair:hash"] = location
        return attributes

    def _external_attributes(self, product: DataProduct) -> dict[str, Any]:
        external = self.session.exec(
            select(ExternalObject).where(ExternalObject.data_product_id == product.id)
        ).first()
        if external is None:
            return {}
        return {
            "fair:external_object": f"api/external_object/{external.id}",
            "dcterms:identifier": external.identifier,
            "fair:alternate_identifier": external.alternate_identifier,
            "fair:alternate_identifier_type": external.alternate_identifier_type,
            "dcterms:issued": external.release_date.isoformat(),
            "fair:external_title": external.title,
        }

    def _authors(self, entity: str, obj: Object) -> None:
        for author in object_authors(self.session, obj):
            agent = f"lreg:api/author/{author.id}"
            if self._first(agent):
                self.doc.agent(
                    agent,
                    self._attrs(
                        {
                            "prov:type": "prov:Person",
                            "foaf:name": author.name,
                            "fair:identifier": author.identifier,
                        }
                    ),
                )
            self.doc.wasAttributedTo(entity, agent)

    def _generating_runs(self, entity: str, obj: Object, depth: int) -> None:
        if depth < 1:
            return
        for run in generating_runs(self.session, obj):
            activity = self.code_run(run, depth)
            self.doc.wasGeneratedBy(entity, activity)

    def code_run(self, run: CodeRun, depth: int) -> str:
        ident = f"lreg:api/code_run/{run.id}"
        if not self._first(ident):
            return ident
        self.doc.activity(
            ident,
            startTime=run.run_date,
            other_attributes=self._attrs(
                {
                    "prov:type": "fair:code_run",
                    "prov:label": run.description,
                    "fair:uuid": run.uuid,
                }
            ),
        )
        self._run_agent(ident, run)
        for role, object_id in (
            ("fair:code_repo", run.code_repo_id),
            ("fair:model_config", run.model_config_id),
            ("fair:submission_script", run.submission_script_id),
        ):
            if object_id is not None:
                self._used_object(ident, object_id, role)
        for component in run_components(self.session, run, CodeRunInput):
            self._used_input(ident, component, depth)
        return ident

    def _run_agent(self, activity: str, run: CodeRun) -> None:
        user = self.session.get(User, run.updated_by_id)
        if user is None:
            return
        agent = f"lreg:api/users/{user.id}"
        if self._first(agent):
            self.doc.agent(
                agent, self._attrs({"prov:type": "prov:Person", "foaf:name": user.username})
            )
        self.doc.wasAssociatedWith(activity, agent)

    def _used_input(self, activity: str, component: ObjectComponent, depth: int) -> None:
        products = self.session.exec(
            select(DataProduct)
            .where(DataProduct.object_id == component.object_id)
            .order_by(col(DataProduct.id))
        ).all()
        if not products:
            self._used_object(activity, component.object_id, "fair:input")
            return
        for product in products:
            entity = self.data_product(product, depth - 1)
            self.doc.used(activity, entity, other_attributes={"prov:role": "fair:input_data"})

    def _used_object(self, activity: str, object_id: int, role: str) -> None:
        ident = f"lreg:api/object/{object_id}"
        if self._first(ident):
            obj = self.session.get(Object, object_id)
            attributes: dict[str, Any] = {"prov:type": role}
            if obj is not None:
                attributes |= self._object_attributes(obj)
            self.doc.entity(ident, self._attrs(attributes))
        self.doc.used(activity, ident, other_attributes={"prov:role": role})


def build_prov_document(
    session: Session,
    product: DataProduct,
    base_url: str,
    depth: int = 1,
    with_attributes: bool = True,
) -> ProvDocument:
    """The provenance of `product` down to `depth` code-run levels."""
    builder = _ProvBuilder(session, base_url, with_attributes)
    builder.data_product(product, depth)
    return builder.doc
