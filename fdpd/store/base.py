"""What every data store backend offers the shared registry, and the answers it gives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class LocalFile:
    """Content kept on this machine: the registry streams it."""

    path: Path


@dataclass(frozen=True)
class Redirect:
    """Content kept elsewhere: the registry answers 302 to this (presigned) URL."""

    url: str


Download = LocalFile | Redirect


class StoreError(Exception):
    """The store cannot do what was asked; `status` is the HTTP status the registry answers."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@runtime_checkable
class DataStore(Protocol):
    """Content-addressed storage of files named by their SHA-1 (lowercase hex)."""

    def describe(self) -> str:
        """Where the files live, for logs and status (never secrets)."""
        ...

    def contains(self, sha1: str) -> bool:
        """True when a verified copy of that content is stored."""
        ...

    def upload_url(self, sha1: str, registry_base_url: str) -> str:
        """A URL to which a client PUTs exactly the bytes whose SHA-1 is `sha1`.

        `registry_base_url` is how the caller reaches the registry (`http://host:port/`), for
        backends that receive uploads on the registry itself.
        """
        ...

    def download(self, sha1: str) -> Download | None:
        """How to hand the content to a client, or None when it is not stored."""
        ...
