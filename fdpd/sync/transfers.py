"""Moving file content: downloads verified against their SHA-1, uploads to a remote data store.

A download is streamed into a temporary file beside its destination and renamed into place only
when its SHA-1 matches the registry's hash; otherwise nothing is left behind. Writing and hashing
run on a worker thread while the next bytes arrive. A remote's files come over HTTP(S) only: a
`file://` or bare local path a remote names is refused, never read.

Pulls running at the same time share the download of a file they both need (`fetch_once`): the
second waits for the first and then finds the file in place.

An upload sends the file without hashing it first: the receiving data store verifies the SHA-1
(the folder store hashes what it receives, S3 checks `x-amz-checksum-sha1`) and refuses a
mismatch, and only then is the local file hashed, to tell the user it changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from fdpd.base.atomic import AtomicWriter, store_write_error
from fdpd.base.error_codes import ErrorCode
from fdpd.base.errors import FdpError
from fdpd.base.hashing import sha1_file
from fdpd.remote.client import RegistryClient
from fdpd.remote.errors import RemoteRejected
from fdpd.store.containment import shown
from fdpd.store.locations import local_path

BytesCallback = Callable[[int], None]  # bytes moved since the last call; or a file's size


class NotAsked:
    """No upload slot was asked for beforehand: `upload` asks for its own."""


NOT_ASKED = NotAsked()

# destination → settled when the fetch into it in progress ends (however it ends)
_in_flight: dict[Path, asyncio.Future[None]] = {}


class TransferError(FdpError):
    code = ErrorCode.TRANSFER_FAILED


class HashMismatch(TransferError):
    code = ErrorCode.HASH_MISMATCH

    @classmethod
    def for_download(cls, location: str, received: str, sha1: str) -> HashMismatch:
        """The file downloaded from `location` has SHA-1 `received`, its record says `sha1`."""
        return cls(
            f"downloaded {_safe(location)} has SHA-1 {received}, but the registry "
            f"records {sha1}; nothing was kept",
            hint="the file changed after it was registered; ask its owner to re-register it",
        )


class LocalSourceRefused(TransferError):
    code = ErrorCode.LOCAL_SOURCE_REFUSED


def require_remote_source(location: str) -> None:
    """Refuse a location that is not an http(s) URL: a remote must not make fdp read local files."""
    if urlsplit(location).scheme.lower() in ("http", "https"):
        return
    what = "a local path" if local_path(location) is not None else "not an http(s) URL"
    raise LocalSourceRefused(
        f"the remote names its file at {shown(_safe(location))}, which is {what} "
        "(refused: a remote's files must come over HTTP(S); fdp does not read local files "
        "a remote names)",
        hint="ask the remote's owner to serve the file from an http(s) storage root",
    )


async def download(
    source: RegistryClient,
    location: str,
    destination: Path,
    sha1: str,
    on_bytes: BytesCallback | None = None,
    on_size: BytesCallback | None = None,
) -> None:
    """Fetch `location` to `destination`, keeping it only if its SHA-1 is `sha1`; `on_size` is
    told the file's size when the answer gives it."""
    try:
        await _download_to(source, location, destination, sha1, on_bytes, on_size)
    except OSError as error:  # reading errors are TransferErrors: this is the data store's
        raise store_write_error(destination, error) from None


async def _download_to(
    source: RegistryClient,
    location: str,
    destination: Path,
    sha1: str,
    on_bytes: BytesCallback | None,
    on_size: BytesCallback | None,
) -> None:
    require_remote_source(location)
    with AtomicWriter(destination, background=True) as writer:
        async with source.stream(location) as response:
            length = response.headers.get("content-length", "")
            if on_size is not None and length.isdigit():
                on_size(int(length))
            async for chunk in response.aiter_bytes():
                writer.write(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
        received = await asyncio.to_thread(lambda: writer.sha1)  # waits for the last writes
        if received != sha1:
            raise HashMismatch.for_download(location, received, sha1)
        await asyncio.to_thread(writer.commit)


async def fetch_once(
    source: RegistryClient,
    location: str,
    destination: Path,
    sha1: str,
    on_bytes: BytesCallback | None = None,
    on_size: BytesCallback | None = None,
) -> bool:
    """Make `destination` hold the file of SHA-1 `sha1`, downloading it unless it is there; True
    if this call downloaded it. A fetch into a destination that another fetch is filling waits
    for that one, then checks again: it downloads only if the other one failed."""
    while (running := _in_flight.get(destination)) is not None:
        await asyncio.wait([running])  # never cancels `running` when this pull is cancelled
    settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    _in_flight[destination] = settled
    try:
        if await file_matches(destination, sha1):
            return False
        await download(source, location, destination, sha1, on_bytes, on_size)
        return True
    finally:
        del _in_flight[destination]
        settled.set_result(None)


async def file_matches(path: Path, sha1: str) -> bool:
    return path.is_file() and await asyncio.to_thread(sha1_file, path) == sha1


async def upload(
    remote: RegistryClient,
    path: Path,
    sha1: str,
    on_bytes: BytesCallback | None = None,
    *,
    slot: str | NotAsked | None = NOT_ASKED,
) -> bool:
    """Put the file into the remote data store; False if the store already had it. `slot`: the
    upload URL (None: the store has it) when asked for beforehand, in bulk."""
    if not path.is_file():
        raise TransferError(
            f"{path} is registered but missing", hint="restore the file, or remove the item"
        )
    url = await remote.request_upload(sha1) if isinstance(slot, NotAsked) else slot
    if url is None:
        return False
    try:
        await remote.upload_file(url, path, sha1, on_bytes)
    except RemoteRejected:
        if not await file_matches(path, sha1):
            raise TransferError(
                f"{path} changed since it was registered (its SHA-1 is no longer {sha1})",
                hint="restore the original content; changed results need a new version",
            ) from None
        raise
    return True


def _safe(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else location
