"""Record links as the sync engine sees them: compared by path, never by host.

A registry builds links from each request's `Host`, so one record has as many URLs as there are
ways to reach the server. The path `/api/<type>/<id>/` is what identifies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_RECORD_PATH = re.compile(r"/api/([a-z_]+)/([0-9]+)/?")


@dataclass(frozen=True)
class RecordRef:
    """A record named by its type and id."""

    type: str
    id: int

    @property
    def path(self) -> str:
        return f"/api/{self.type}/{self.id}/"


def parse_link(link: str) -> RecordRef:
    """The record a link (absolute URL or bare path) names; ValueError if it names none."""
    path = urlsplit(link).path if "://" in link else link.split("?", 1)[0]
    match = _RECORD_PATH.fullmatch(path)
    if match is None:
        raise ValueError(f"{link!r} is not a registry record link")
    return RecordRef(match.group(1), int(match.group(2)))


def link_path(link: str) -> str:
    """The canonical path `/api/<type>/<id>/` of a record link."""
    return parse_link(link).path


def link_id(link: str) -> int:
    """The id of the record a link names."""
    return parse_link(link).id
