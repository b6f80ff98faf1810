"""Record look-ups shared by the provenance documents (PROV and RO-Crate) and the web view's
graph: rows read through Core, their columns as attributes (`record.object_id`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, select
from sqlmodel import Session

from fdpd.store.locations import location_url
from fdpregistry.models import table_named

Record = Row[Any]

_AUTHORS = table_named("author")
_AUTHOR_LINKS = table_named("object_authors")
_COMPONENTS = table_named("object_component")
_RUNS = table_named("code_run")
_RUN_LINKS = {"inputs": table_named("code_run_inputs"), "outputs": table_named("code_run_outputs")}


def record(session: Session, table_name: str, record_id: int | None) -> Record | None:
    """The record of `table_name` with this id; None for no id or no such record."""
    if record_id is None:
        return None
    table = table_named(table_name)
    return first(session, select(table).where(table.c.id == record_id))


def first(session: Session, query: Select[Any]) -> Record | None:
    return session.connection().execute(query).first()


def records(session: Session, query: Select[Any]) -> list[Record]:
    return list(session.connection().execute(query).all())


def run_components(session: Session, run: Record, side: str) -> list[Record]:
    """A code run's input (`side` "inputs") or output ("outputs") components."""
    link = _RUN_LINKS[side]
    return records(
        session,
        select(_COMPONENTS)
        .join(link, link.c.component_id == _COMPONENTS.c.id)
        .where(link.c.code_run_id == run.id)
        .order_by(_COMPONENTS.c.id),
    )


def generating_runs(session: Session, obj: Record) -> list[Record]:
    """The code runs that output a component of `obj`."""
    outputs = _RUN_LINKS["outputs"]
    return records(
        session,
        select(_RUNS)
        .join(outputs, outputs.c.code_run_id == _RUNS.c.id)
        .join(_COMPONENTS, _COMPONENTS.c.id == outputs.c.component_id)
        .where(_COMPONENTS.c.object_id == obj.id)
        .distinct()
        .order_by(_RUNS.c.id),
    )


def object_authors(session: Session, obj: Record) -> list[Record]:
    return records(
        session,
        select(_AUTHORS)
        .join(_AUTHOR_LINKS, _AUTHOR_LINKS.c.author_id == _AUTHORS.c.id)
        .where(_AUTHOR_LINKS.c.object_id == obj.id)
        .order_by(_AUTHORS.c.id),
    )


def object_location(session: Session, obj: Record) -> tuple[str, str] | None:
    """(full address, hash) of an object's storage location, if it has one."""
    location = record(session, "storage_location", obj.storage_location_id)
    if location is None:
        return None
    root = record(session, "storage_root", location.storage_root_id)
    return location_url(root.root if root else "", location.path), location.hash
