"""Pull records in the journal: which version the last pull of each `register:` item made.

`run` and `generate` read them (`pulled_register_versions`) so that a read derived from a register
item uses the version pulled, not a template evaluated again on a later day (docs/config.md).
"""

from __future__ import annotations

from sqlmodel import select

from fdpd.journal import Journal
from fdpd.journal.database import utc_now
from fdpd.journal.models import PullRecord
from fdpd.userconfig import PulledVersions


def pulled_register_versions(journal: Journal) -> PulledVersions:
    """`{(namespace, name, source URL): version}` for every register item ever pulled."""
    with journal.session() as session:
        rows = session.exec(select(PullRecord)).all()
    return {(r.namespace, r.name, r.source_url): r.version for r in rows}


def save_pull_record(
    journal: Journal,
    *,
    namespace: str,
    name: str,
    source_url: str,
    version: str,
    sha1: str,
    data_product: str,
    operation_id: int | None,
) -> None:
    """Remember (replacing any earlier record of the same item) what this pull registered."""
    with journal.session() as session:
        record = session.get(PullRecord, (namespace, name, source_url))
        if record is None:
            record = PullRecord(
                namespace=namespace,
                name=name,
                source_url=source_url,
                version=version,
                sha1=sha1,
                data_product=data_product,
                pulled=utc_now(),
            )
        record.version, record.sha1, record.data_product = version, sha1, data_product
        record.operation_id = operation_id
        record.pulled = utc_now()
        session.add(record)
