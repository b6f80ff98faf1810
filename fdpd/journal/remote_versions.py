"""The data product versions the journal saw on remotes after their local records went
(`remote_version`, written by gc and delete): what version resolution adds to the local
registry's versions, so that a bump never reuses one a remote has."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from fdpd.journal import Journal
from fdpd.journal.models import RemoteVersion

# (namespace, name) → version → what the journal knows of it on a remote
SeenVersions = dict[tuple[str, str], dict[str, RemoteVersion]]


def remember_remote_versions(session: Session, versions: Iterable[RemoteVersion]) -> None:
    """Add (or refresh) each version, inside the caller's transaction."""
    for version in versions:
        session.merge(version)


def seen_versions(journal: Journal) -> SeenVersions:
    """Every version the journal saw on any remote, by namespace and name."""
    found: SeenVersions = {}
    with journal.session() as session:
        for row in session.exec(select(RemoteVersion)).all():
            found.setdefault((row.namespace, row.name), {}).setdefault(row.version, row)
    return found
