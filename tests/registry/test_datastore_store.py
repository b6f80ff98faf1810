"""Data store backends on their own: hashing, atomic writes, the folder store, signed uploads.

The S3 backend is exercised against moto's standalone S3 server (a real HTTP server on a free
loopback port): moto stands in because no real S3 server is installable here.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fdpd.base.hashing import sha1_hex_to_base64
from fdpd.store import AtomicWriter, LocalFile, Redirect, StoreError, open_data_store, sha1_file
from fdpd.store.folder import SECRET_FILE_NAME, FolderStore
from fdpd.store.s3 import S3Store
from fdpd.store.signing import UploadSigner, load_or_create_secret
from tests.conftest import free_port


def test_sha1_file_matches_hashlib_across_chunk_boundaries(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha1_file(path) == hashlib.sha1(data).hexdigest()


def test_atomic_writer_leaves_nothing_at_final_path_until_commit(tmp_path: Path) -> None:
    final = tmp_path / "sub" / "file.txt"
    with AtomicWriter(final) as writer:
        writer.write(b"partial")
        assert not final.exists()
    assert not final.exists()
    assert list(final.parent.iterdir()) == []  # temp file removed on discard

    with AtomicWriter(final) as writer:
        writer.write(b"complete")
        assert writer.sha1 == hashlib.sha1(b"complete").hexdigest()
        writer.commit()
    assert final.read_bytes() == b"complete"
    assert list(final.parent.iterdir()) == [final]


def test_signer_accepts_its_own_signature_and_refuses_tampering() -> None:
    signer = UploadSigner(b"k" * 32)
    sha1 = "a" * 40
    expires, signature = signer.sign(sha1, 60, now=1000)
    signer.check(sha1, str(expires), signature, now=1000)
    with pytest.raises(StoreError, match="signature is invalid"):
        signer.check("b" * 40, str(expires), signature, now=1000)
    with pytest.raises(StoreError, match="signature is invalid"):
        signer.check(sha1, str(expires + 1), signature, now=1000)
    with pytest.raises(StoreError, match="expired"):
        signer.check(sha1, str(expires), signature, now=expires + 1)
    with pytest.raises(StoreError, match="no valid expiry"):
        signer.check(sha1, "soon", signature, now=1000)


def test_secret_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / SECRET_FILE_NAME
    first = load_or_create_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first
    os.chmod(path, 0o644)
    with pytest.raises(StoreError, match="chmod 600"):
        load_or_create_secret(path)


def test_folder_store_keeps_only_content_matching_the_signed_hash(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "store")
    data = b"station,flow\nA,1.5\n"
    sha1 = hashlib.sha1(data).hexdigest()
    url = store.upload_url(sha1, "http://127.0.0.1:9/")
    query = dict(part.split("=") for part in url.split("?")[1].split("&"))
    assert url.startswith(f"http://127.0.0.1:9/data/upload/{sha1}?")

    wrong = store.receive(sha1, query["expires"], query["signature"])
    wrong.write(b"other bytes")
    with pytest.raises(StoreError, match="nothing was stored"):
        store.finish_upload(wrong, sha1)
    assert not store.contains(sha1)
    assert list((tmp_path / "store").rglob(f"*{sha1}*")) == []

    right = store.receive(sha1, query["expires"], query["signature"])
    right.write(data)
    store.finish_upload(right, sha1)
    assert store.contains(sha1)
    assert store.download(sha1) == LocalFile(tmp_path / "store" / sha1[:2] / sha1)
    assert store.download("f" * 40) is None


@pytest.mark.parametrize("name", ["../../etc/passwd", "A" * 40, "abc", "g" * 40])
def test_folder_store_refuses_names_that_are_not_sha1(tmp_path: Path, name: str) -> None:
    store = FolderStore(tmp_path)
    assert not store.contains(name)
    with pytest.raises(StoreError):
        store.upload_url(name, "http://127.0.0.1:9/")


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, standing in for S3 (none is installable here)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_store(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Store:
    monkeypatch.setenv("FDP_S3_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    bucket = f"fdp-{os.urandom(4).hex()}"
    store = open_data_store(f"s3://{bucket}/team/files")
    assert isinstance(store, S3Store)
    store._client.create_bucket(Bucket=bucket)
    return store


def test_s3_presigned_upload_then_presigned_download(s3_store: S3Store) -> None:
    data = b"x,y\n1,2\n"
    sha1 = hashlib.sha1(data).hexdigest()
    assert not s3_store.contains(sha1)
    url = s3_store.upload_url(sha1, "http://unused/")
    assert "x-amz-checksum-sha1" in url  # the checksum header is part of the signature
    answer = httpx.put(url, content=data, headers={"x-amz-checksum-sha1": sha1_hex_to_base64(sha1)})
    assert answer.status_code == 200, answer.text
    assert s3_store.contains(sha1)
    download = s3_store.download(sha1)
    assert isinstance(download, Redirect)
    assert httpx.get(download.url).content == data


def test_s3_wrong_bytes_are_never_trusted(s3_store: S3Store) -> None:
    """moto accepts wrong bytes despite the checksum header, and does not check presigned
    signatures at all (real S3 answers 400 BadDigest / 403); the store catches wrong content by
    hashing an object whose checksum the server does not report, and deletes it."""
    data = b"expected"
    sha1 = hashlib.sha1(data).hexdigest()
    url = s3_store.upload_url(sha1, "http://unused/")
    header = {"x-amz-checksum-sha1": sha1_hex_to_base64(sha1)}
    answer = httpx.put(url, content=b"tampered", headers=header)
    assert answer.status_code in (200, 400)
    assert not s3_store.contains(sha1)
    assert s3_store.download(sha1) is None


def test_s3_store_that_cannot_be_reached_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FDP_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody there
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    store = open_data_store("s3://team-bucket/x")
    with pytest.raises(StoreError) as raised:
        store.contains("a" * 40)
    assert raised.value.status == 503
    assert "s3://team-bucket/x/ is unavailable" in raised.value.message
