"""The journal's fdp users: who is set up, and who is active (the user runs are made for)."""

from __future__ import annotations

from sqlmodel import select

from fdpd.journal.database import Journal
from fdpd.journal.models import FdpUser


def find_active_user(journal: Journal) -> FdpUser | None:
    with journal.session() as session:
        return session.exec(select(FdpUser).where(FdpUser.active == True)).first()  # noqa: E712


def find_user(journal: Journal, username: str) -> FdpUser | None:
    with journal.session() as session:
        return session.get(FdpUser, username)


def all_users(journal: Journal) -> list[FdpUser]:
    with journal.session() as session:
        return list(session.exec(select(FdpUser).order_by(FdpUser.username)).all())


def save_active_user(journal: Journal, user: FdpUser) -> None:
    """Save `user` as the one active user (every other user made inactive, in one transaction)."""
    with journal.session() as session:
        for other in session.exec(select(FdpUser).where(FdpUser.active == True)).all():  # noqa: E712
            other.active = False
            session.add(other)
        session.merge(user)
