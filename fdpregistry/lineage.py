"""Record look-ups shared by the provenance documents (PROV and RO-Crate)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from fdpd.store.locations import location_url
from fdpregistry.models import (
    Author,
    CodeRun,
    CodeRunInput,
    CodeRunOutput,
    Object,
    ObjectAuthor,
    ObjectComponent,
    StorageLocation,
    StorageRoot,
)


def run_components(
    session: Session, run: CodeRun, link: type[CodeRunInput] | type[CodeRunOutput]
) -> list[ObjectComponent]:
    """A code run's input (`CodeRunInput`) or output (`CodeRunOutput`) components."""
    return list(
        session.exec(
            select(ObjectComponent)
            .join(link, col(link.component_id) == col(ObjectComponent.id))
            .where(link.code_run_id == run.id)
            .order_by(col(ObjectComponent.id))
        ).all()
    )


def generating_runs(session: Session, obj: Object) -> list[CodeRun]:
    """The code runs that output a component of `obj`."""
    return list(
        session.exec(
            select(CodeRun)
            .join(CodeRunOutput, col(CodeRunOutput.code_run_id) == col(CodeRun.id))
            .join(ObjectComponent, col(ObjectComponent.id) == col(CodeRunOutput.component_id))
            .where(ObjectComponent.object_id == obj.id)
            .distinct()
            .order_by(col(CodeRun.id))
        ).all()
    )


def object_authors(session: Session, obj: Object) -> list[Author]:
    return list(
        session.exec(
            select(Author)
            .join(ObjectAuthor, col(ObjectAuthor.author_id) == col(Author.id))
            .where(ObjectAuthor.object_id == obj.id)
            .order_by(col(Author.id))
        ).all()
    )


def object_location(session: Session, obj: Object) -> tuple[str, str] | None:
    """(full address, hash) of an object's storage location, if it has one."""
    if obj.storage_location_id is None:
        return None
    location = session.get(StorageLocation, obj.storage_location_id)
    if location is None:
        return None
    root = session.get(StorageRoot, location.storage_root_id)
    return location_url(root.root if root else "", location.path), location.hash
