"""RO-Crate 1.1 metadata of a data product or a code run, built from registry records.

Files are data entities identified by their storage URL (root + path), so the crate references
them rather than carrying them; code runs are `CreateAction`s whose `object` are their inputs,
`result` their outputs and `instrument` the submission script and code repository. `depth`
counts code-run levels as in the PROV report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from fdpregistry.lineage import (
    Record,
    generating_runs,
    object_authors,
    object_location,
    record,
    records,
    run_components,
)
from fdpregistry.models import table_named

CONTEXT = "https://w3id.org/ro/crate/1.1/context"
METADATA_ID = "ro-crate-metadata.json"

Entity = dict[str, Any]

_PRODUCTS = table_named("data_product")


class _CrateBuilder:
    def __init__(self, session: Session, base_url: str) -> None:
        self.session = session
        self.base = base_url.rstrip("/") + "/"
        self.entities: dict[str, Entity] = {}
        self.parts: list[str] = []

    def crate(self, name: str, description: str, main: str) -> dict[str, Any]:
        descriptor: Entity = {
            "@id": METADATA_ID,
            "@type": "CreativeWork",
            "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
            "about": {"@id": "./"},
        }
        root: Entity = {
            "@id": "./",
            "@type": "Dataset",
            "name": name,
            "description": description,
            "mainEntity": {"@id": main},
            "hasPart": [{"@id": part} for part in self.parts],
        }
        return {"@context": CONTEXT, "@graph": [descriptor, root, *self.entities.values()]}

    def _add(self, entity: Entity, part: bool = False) -> str:
        ident = str(entity["@id"])
        if ident not in self.entities:
            self.entities[ident] = entity
            if part:
                self.parts.append(ident)
        return ident

    def object_file(self, obj: Record, extra: Entity | None = None) -> str:
        """The data entity of an object's file."""
        location = object_location(self.session, obj)
        ident = location[0] if location else f"{self.base}api/object/{obj.id}/"
        if ident in self.entities:
            return ident
        entity: Entity = {"@id": ident, "@type": "File", "identifier": f"api/object/{obj.id}"}
        if obj.description:
            entity["description"] = obj.description
        if obj.file_type_id is not None:
            file_type = record(self.session, "file_type", obj.file_type_id)
            if file_type is not None:
                entity["encodingFormat"] = file_type.extension
        if location:
            entity["sha1"] = location[1]
        authors = [{"@id": self.person(author)} for author in object_authors(self.session, obj)]
        if authors:
            entity["author"] = authors
        entity |= extra or {}
        return self._add(entity, part=True)

    def data_product(self, product: Record, depth: int) -> str:
        namespace = record(self.session, "namespace", product.namespace_id)
        obj = record(self.session, "object", product.object_id)
        label = f"{namespace.name if namespace else '?'}:{product.name}@v{product.version}"
        extra = {
            "name": label,
            "version": product.version,
            "url": f"{self.base}api/data_product/{product.id}/",
        }
        if obj is None:
            return self._add({"@id": extra["url"], "@type": "File", **extra}, part=True)
        ident = self.object_file(obj, extra)
        if depth >= 1:
            for run in generating_runs(self.session, obj):
                self.code_run(run, depth)
        return ident

    def person(self, author: Record) -> str:
        ident = author.identifier or f"#author-{author.uuid}"
        entity: Entity = {"@id": ident, "@type": "Person"}
        if author.name:
            entity["name"] = author.name
        return self._add(entity)

    def code_run(self, run: Record, depth: int) -> str:
        ident = f"#code-run-{run.uuid}"
        if ident in self.entities:
            return ident
        action: Entity = {
            "@id": ident,
            "@type": "CreateAction",
            "name": run.description,
            "startTime": iso_utc(run.run_date),
            "url": f"{self.base}api/code_run/{run.id}/",
        }
        self._add(action)
        instruments = [
            self._software(object_id)
            for object_id in (run.submission_script_id, run.code_repo_id)
            if object_id is not None
        ]
        action["instrument"] = [{"@id": i} for i in instruments]
        inputs = [
            self._component_file(c, depth - 1) for c in run_components(self.session, run, "inputs")
        ]
        if run.model_config_id is not None:
            config = record(self.session, "object", run.model_config_id)
            if config is not None:
                inputs.append(self.object_file(config))
        action["object"] = [{"@id": i} for i in inputs]
        outputs = [self._component_file(c, 0) for c in run_components(self.session, run, "outputs")]
        action["result"] = [{"@id": o} for o in outputs]
        return ident

    def _software(self, object_id: int) -> str:
        obj = record(self.session, "object", object_id)
        if obj is None:
            return f"{self.base}api/object/{object_id}/"
        return self.object_file(obj, {"@type": ["File", "SoftwareSourceCode"]})

    def _component_file(self, component: Record, depth: int) -> str:
        products = records(
            self.session,
            select(_PRODUCTS)
            .where(_PRODUCTS.c.object_id == component.object_id)
            .order_by(_PRODUCTS.c.id),
        )
        if products:
            idents = [self.data_product(product, depth) for product in products]
            return idents[0]  # all are one file: one object, one location
        obj = record(self.session, "object", component.object_id)
        return self.object_file(obj) if obj else f"{self.base}api/object/{component.object_id}/"


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with `Z` (stored datetimes are UTC, aware or naive)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ro_crate_for_data_product(
    session: Session, product: Record, base_url: str, depth: int = 1
) -> dict[str, Any]:
    builder = _CrateBuilder(session, base_url)
    main = builder.data_product(product, depth)
    label = str(builder.entities[main].get("name", main))
    return builder.crate(label, f"Data product {label} and how it was made", main)


def ro_crate_for_code_run(
    session: Session, run: Record, base_url: str, depth: int = 1
) -> dict[str, Any]:
    builder = _CrateBuilder(session, base_url)
    main = builder.code_run(run, max(depth, 1))
    return builder.crate(run.description, f"Code run {run.uuid}: inputs and outputs", main)
