"""A data store in a local folder: `<root>/<sha1[:2]>/<sha1>`, uploads via signed registry URLs.

An upload streams into a temporary `.<sha1>.XXXX.part` file that its writer holds an exclusive
`flock` on. A registry killed mid-upload leaves that file behind, unlocked: the store removes
such stale files when it is opened (the registry's next start) and before each new upload of the
same SHA-1 (a re-push), while files that a live upload, in any process, still holds stay.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

from fdpd.base.atomic import PART_SUFFIX, AtomicWriter
from fdpd.base.hashing import is_sha1_hex
from fdpd.store.base import LocalFile, StoreError
from fdpd.store.batch import write_batch
from fdpd.store.signing import UploadSigner, load_or_create_secret

SECRET_FILE_NAME = ".upload-secret"
UPLOAD_ROUTE = "data/upload/"
DEFAULT_UPLOAD_LIFETIME_SECONDS = 3600
# An unlocked part file younger than this may belong to a writer that has not locked it yet.
STALE_AFTER_SECONDS = 1.0

try:
    import fcntl
except ImportError:  # Windows: no flock, so leftovers are never judged stale
    fcntl = None  # type: ignore[assignment]


class LockedUpload(AtomicWriter):
    """An upload's temporary file, exclusively locked for as long as it is open."""

    def __init__(self, final_path: Path) -> None:
        super().__init__(final_path, background=True)
        if fcntl is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def remove_stale_parts(folder: Path, prefix: str = ".") -> list[Path]:
    """Delete the part files under `folder` (names starting with `prefix`) no live writer holds."""
    if fcntl is None or not folder.is_dir():
        return []
    removed = []
    for parent, _, names in os.walk(folder):
        for name in names:
            if name.startswith(prefix) and name.endswith(PART_SUFFIX):
                path = Path(parent, name)
                if _remove_if_stale(path):
                    removed.append(path)
    return removed


def _remove_if_stale(path: Path) -> bool:
    assert fcntl is not None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if time.time() - os.fstat(fd).st_mtime < STALE_AFTER_SECONDS:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live upload holds it
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return True
    finally:
        os.close(fd)


class FolderStore:
    """Content-addressed files under one folder.

    Clients upload by PUTting to `<registry>/data/upload/<sha1>?expires=..&signature=..`; the
    registry hands the body to `receive()`/`finish_upload()`, which keep it only if its SHA-1 is
    the signed one.
    """

    def __init__(
        self,
        root: Path,
        signer: UploadSigner | None = None,
        upload_lifetime_seconds: int = DEFAULT_UPLOAD_LIFETIME_SECONDS,
    ) -> None:
        self.root = root.absolute()
        self.root.mkdir(parents=True, exist_ok=True)
        self._signer = signer or UploadSigner(load_or_create_secret(self.root / SECRET_FILE_NAME))
        self._upload_lifetime = upload_lifetime_seconds
        remove_stale_parts(self.root)

    def describe(self) -> str:
        return f"folder {self.root}"

    def object_path(self, sha1: str) -> Path:
        if not is_sha1_hex(sha1):
            raise StoreError(f"{sha1!r} is not a SHA-1 (40 lowercase hex digits)", 400)
        return self.root / sha1[:2] / sha1

    def contains(self, sha1: str) -> bool:
        return is_sha1_hex(sha1) and self.object_path(sha1).is_file()

    def upload_url(self, sha1: str, registry_base_url: str) -> str:
        self.object_path(sha1)  # validates the name
        expires, signature = self._signer.sign(sha1, self._upload_lifetime)
        query = urlencode({"expires": expires, "signature": signature})
        return f"{registry_base_url.rstrip('/')}/{UPLOAD_ROUTE}{sha1}?{query}"

    def download(self, sha1: str) -> LocalFile | None:
        return LocalFile(self.object_path(sha1)) if self.contains(sha1) else None

    def receive(self, sha1: str, expires: str, signature: str) -> AtomicWriter:
        """Check an upload's URL and open the temporary file its body is streamed into (written
        and hashed on a worker thread while the body arrives)."""
        final_path = self.object_path(sha1)
        self._signer.check(sha1, expires, signature)
        remove_stale_parts(final_path.parent, prefix=f".{sha1}.")
        return LockedUpload(final_path)

    def finish_upload(self, writer: AtomicWriter, sha1: str) -> None:
        """Keep the received bytes if they hash to `sha1`; otherwise drop them and refuse."""
        if writer.sha1 != sha1:
            writer.discard()
            raise StoreError(
                f"uploaded content has SHA-1 {writer.sha1}, not {sha1}; nothing was stored", 400
            )
        if self.contains(sha1):
            writer.discard()  # identical content is already there
            return
        writer.commit()

    def keep_many(self, files: Sequence[tuple[str, str, str, bytes]]) -> list[tuple[int, str]]:
        """Keep small uploaded files at once: each (sha1, expires, signature, bytes) is checked as
        `receive` and `finish_upload` check one upload (a valid signed slot, bytes that hash to
        the signed SHA-1); per file (status, detail): 201 kept, 200 already stored, 403 the slot
        is not valid, 400 other content. The kept ones are written in one batch (`write_batch`:
        each complete or not at all, on disk when this returns)."""
        answers: list[tuple[int, str]] = []
        keep: dict[str, bytes] = {}
        for sha1, expires, signature, data in files:
            try:
                self.object_path(sha1)
                self._signer.check(sha1, expires, signature)
            except StoreError as error:
                answers.append((error.status, error.message))
                continue
            received = hashlib.sha1(data).hexdigest()
            if received != sha1:
                answers.append(
                    (400, f"uploaded content has SHA-1 {received}, not {sha1}; nothing was stored")
                )
            elif sha1 in keep or self.contains(sha1):
                answers.append((200, "already stored"))
            else:
                keep[sha1] = data
                answers.append((201, "stored"))
        write_batch([(self.object_path(sha1), data) for sha1, data in keep.items()])
        return answers
