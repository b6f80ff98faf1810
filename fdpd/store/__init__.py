"""Data stores: content-addressed files (hashing, atomic writes, folder and S3 backends)."""

from __future__ import annotations

from pathlib import Path

from fdpd.base.atomic import AtomicWriter, atomic_write_bytes
from fdpd.base.hashing import is_sha1_hex, sha1_bytes, sha1_file
from fdpd.store.base import DataStore, Download, LocalFile, Redirect, StoreError

__all__ = [
    "AtomicWriter",
    "DataStore",
    "Download",
    "LocalFile",
    "Redirect",
    "StoreError",
    "atomic_write_bytes",
    "is_sha1_hex",
    "open_data_store",
    "sha1_bytes",
    "sha1_file",
]


def open_data_store(location: str | Path) -> DataStore:
    """The store at `s3://bucket/prefix` or in a folder (created if missing)."""
    text = str(location)
    if text.startswith("s3://"):
        from fdpd.store.s3 import S3Store

        return S3Store.from_url(text)
    from fdpd.store.folder import FolderStore

    return FolderStore(Path(text).expanduser())
