"""An async client for any FAIR registry REST API: records, lists, uploads and downloads."""

from __future__ import annotations

from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import (
    RemoteError,
    RemoteNotFound,
    RemoteRejected,
    RemoteUnreachable,
    TokenRejected,
)
from fdpd.remote.links import RecordRef, link_path, parse_link

__all__ = [
    "RecordRef",
    "RegistryClient",
    "RemoteError",
    "RemoteNotFound",
    "RemoteRejected",
    "RemoteUnreachable",
    "TokenRejected",
    "link_path",
    "parse_link",
]
