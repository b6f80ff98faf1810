"""Downloading a `register:` item's source (`root` + `path`) into the data store.

The bytes go to a temporary file in the data store (same file system as their final place),
hashed as they arrive; the caller decides the version from the SHA-1 and then either keeps the
file under `<namespace>/<name>/<version>.<ext>` or discards it. Nothing else is left behind.
TLS certificates are always verified.

A local source (`file://` or an absolute path) is read only when `local_source_problem` finds
nothing wrong: its file stays inside its root (symbolic links resolved) and neither is in the
kernel's trees or fdp's own folders (fdpd/base/data_store_rules.py), so a config cannot register,
and a push then publish, `/etc/passwd`, fdpd's environment or fdp's tokens.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from fdpd.base.atomic import PART_SUFFIX, store_write_error
from fdpd.base.bounded_read import copy_regular
from fdpd.base.data_store_rules import unreadable_source_reason
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.hashing import CHUNK_SIZE
from fdpd.base.paths import Locations
from fdpd.base.tls import default_ssl_context
from fdpd.store.locations import local_path

DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=15.0)
BytesCallback = Callable[[int], None]


class SourceUnavailable(FdpError):
    code = ErrorCode.SOURCE_DOWNLOAD_FAILED


class FetchedFile:
    """A downloaded source waiting in a temporary file for its final name."""

    def __init__(self, temp_path: Path, sha1: str, size: int) -> None:
        self.temp_path, self.sha1, self.size = temp_path, sha1, size

    def keep_as(self, destination: Path) -> None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.temp_path, destination)

    def discard(self) -> None:
        self.temp_path.unlink(missing_ok=True)


async def fetch_source(url: str, store: Path, on_bytes: BytesCallback | None = None) -> FetchedFile:
    """Download `url` (http, https, file:// or an absolute path) into a temporary file in
    `store`; raises SourceUnavailable (leaving nothing behind) if it cannot be read."""
    try:
        store.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".pull-", suffix=PART_SUFFIX, dir=store)
    except OSError as error:
        raise store_write_error(store / ".pull", error) from None
    temp = Path(name)
    digest = hashlib.sha1()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:

            def write(chunk: bytes) -> None:
                nonlocal size
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)

            path = local_path(url)
            if path is not None:
                await copy_regular(path, "register source", write)
            else:
                await _download(url, write, on_bytes)
            out.flush()
            await asyncio.to_thread(os.fsync, out.fileno())  # a big file: seconds, off the loop
    except OSError as error:  # reading errors are SourceUnavailable: this is the data store's
        temp.unlink(missing_ok=True)
        raise store_write_error(temp, error) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return FetchedFile(temp, digest.hexdigest(), size)


def local_source_problem(root: str, path: str, locations: Locations) -> tuple[str, str] | None:
    """What is wrong with reading the local source `root` + `path`, as (the key at fault, why),
    or None when it may be read (or is not local: a download)."""
    file = local_path(root + path)
    if file is None:
        return None
    folder = local_path(root)
    if folder is None or not folder.is_absolute():
        return (
            "root",
            f"root {root!r} is not an absolute folder, yet {root + path!r} is a local file",
        )
    reason = unreadable_source_reason(folder, locations)
    if reason is not None:
        return "root", f"root {root} cannot be read from: {reason}"
    given, inside = os.path.normpath(folder), os.path.normpath(file)
    real_folder, real_file = os.path.realpath(given), os.path.realpath(inside)
    for top, named in ((given, inside), (real_folder, real_file)):
        if os.path.commonpath((top, named)) != top or named == top:
            return "path", f"path {path} leaves its root {root} (it names {named})"
    reason = unreadable_source_reason(Path(inside), locations)
    if reason is not None:
        return "path", f"path {path} cannot be read: {reason}"
    return None


async def _download(
    url: str, write: Callable[[bytes], None], on_bytes: BytesCallback | None
) -> None:
    shown = display_url(url)
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise SourceUnavailable(
            f"cannot download {shown}: only http, https and file sources are supported",
            hint="check `root` of the register item",
        )
    try:
        async with (
            httpx.AsyncClient(
                timeout=DOWNLOAD_TIMEOUT, follow_redirects=True, verify=default_ssl_context()
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise SourceUnavailable(
                    f"download of {shown} failed: HTTP {response.status_code}",
                    hint="check `root` and `path` of the register item",
                )
            async for chunk in response.aiter_bytes(CHUNK_SIZE):
                write(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
    except httpx.HTTPError as error:
        raise SourceUnavailable(
            f"download of {shown} failed ({type(error).__name__}: {error})",
            hint="check the URL and your network; TLS certificates must be valid",
        ) from None


def display_url(url: str) -> str:
    """The URL without its query string or credentials (they may hold secrets)."""
    parts = urlsplit(url)
    if not parts.scheme or parts.scheme == "file":
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
