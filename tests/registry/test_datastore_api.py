"""The upload protocol of a shared registry, end to end against real registry processes.

Folder store: `POST /api/data/<sha1>` → signed URL on the registry → PUT → `GET /data/<sha1>`.
S3 store: the same against moto's standalone S3 server on a free loopback port; moto stands in
because no real S3 server is installable here. moto checks neither presigned signatures nor the
`x-amz-checksum-sha1` header, so the wrong-bytes case shows the registry's own check (it hashes
objects whose checksum the server does not report).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fdpd.registry.models import KeyValue
from fdpd.store.hashing import sha1_hex_to_base64
from tests.conftest import free_port
from tests.registry.records import RecordWriter
from tests.registry.running_registry import RunningRegistry, running_registry

DATA = b"station,flow\nA,1.5\n"
SHA1 = hashlib.sha1(DATA).hexdigest()


@pytest.fixture
def folder_registry(tmp_path: Path) -> Iterator[RunningRegistry]:
    with running_registry(tmp_path, data_store=str(tmp_path / "files"), shared=True) as registry:
        yield registry


def register_upload(registry: RunningRegistry, workdir: Path, sha1: str, private: bool) -> None:
    """What the client does after its PUT: a storage location under `<registry>/data/`."""
    records = RecordWriter(f"sqlite:///{workdir / 'registry.db'}")
    location = records.location(registry.base_url + "/data/", sha1, sha1)
    object_id, _ = records.object(location, "csv")
    if private:
        records.add(KeyValue, key="accessibility", value="private", object_id=object_id)
    records.close()


def test_folder_upload_round_trip(folder_registry: RunningRegistry, tmp_path: Path) -> None:
    registry = folder_registry
    post = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers())
    assert post.status_code == 200
    url = post.json()["url"]
    assert url.startswith(f"{registry.base_url}/data/upload/{SHA1}?")
    assert httpx.put(url, content=DATA).status_code == 200
    kept = tmp_path / "files" / SHA1[:2] / SHA1
    assert kept.read_bytes() == DATA
    again = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers())
    assert (again.status_code, again.content) == (409, b"")

    assert httpx.get(f"{registry.base_url}/data/{SHA1}").status_code == 404  # not registered
    register_upload(registry, tmp_path, SHA1, private=False)
    download = httpx.get(f"{registry.base_url}/data/{SHA1}")
    assert (download.status_code, download.content) == (200, DATA)
    secret = tmp_path / "files" / ".upload-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_folder_upload_refuses_wrong_bytes(
    folder_registry: RunningRegistry, tmp_path: Path
) -> None:
    registry = folder_registry
    url = httpx.post(
        f"{registry.api}data", json={"checksum": SHA1}, headers=registry.admin_headers()
    ).json()["url"]
    wrong = httpx.put(url, content=DATA + b"tampered")
    assert wrong.status_code == 400
    assert "nothing was stored" in wrong.json()["detail"]
    assert [
        p for p in (tmp_path / "files").rglob("*") if p.is_file() and p.name != ".upload-secret"
    ] == []
    assert (
        httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers()).status_code
        == 200
    )


def test_folder_upload_url_cannot_be_forged(folder_registry: RunningRegistry) -> None:
    registry = folder_registry
    url = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers()).json()["url"]
    query = parse_qs(urlsplit(url).query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    upload = f"{registry.base_url}/data/upload/"
    other = hashlib.sha1(b"other").hexdigest()
    forged = f"{upload}{other}?expires={expires}&signature={signature}"
    assert httpx.put(forged, content=b"other").status_code == 403
    later = f"{upload}{SHA1}?expires={expires + 1}&signature={signature}"
    assert httpx.put(later, content=DATA).status_code == 403
    assert httpx.put(f"{registry.base_url}/data/upload/{SHA1}", content=DATA).status_code == 403


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "token " + "0" * 40}, "Invalid token."),
    ],
)
def test_upload_urls_need_a_valid_token(
    folder_registry: RunningRegistry, headers: dict[str, str], detail: str
) -> None:
    answer = httpx.post(f"{folder_registry.api}data/{SHA1}", headers=headers)
    assert (answer.status_code, answer.json()) == (403, {"detail": detail})


@pytest.mark.parametrize("body", [None, {}, {"checksum": "not-a-hash"}, ["x"]])
def test_upload_url_without_usable_checksum_is_empty_400(
    folder_registry: RunningRegistry, body: object
) -> None:
    answer = httpx.post(
        f"{folder_registry.api}data/", json=body, headers=folder_registry.admin_headers()
    )
    assert (answer.status_code, answer.content) == (400, b"")


def test_private_objects_need_a_token(folder_registry: RunningRegistry, tmp_path: Path) -> None:
    registry = folder_registry
    url = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers()).json()["url"]
    httpx.put(url, content=DATA).raise_for_status()
    register_upload(registry, tmp_path, SHA1, private=True)
    assert httpx.get(f"{registry.base_url}/data/{SHA1}").status_code == 403
    with_token = httpx.get(f"{registry.base_url}/data/{SHA1}", headers=registry.admin_headers())
    assert (with_token.status_code, with_token.content) == (200, DATA)


def test_shared_registry_does_not_serve_local_roots(
    folder_registry: RunningRegistry, tmp_path: Path
) -> None:
    """Files under `file://` roots belong to someone's machine, not to the shared registry."""
    (tmp_path / "local.csv").write_bytes(DATA)
    records = RecordWriter(f"sqlite:///{tmp_path / 'registry.db'}")
    location = records.location(f"file://{tmp_path}/", "local.csv", SHA1)
    object_id, _ = records.object(location, "csv")
    records.data_product("team", "local", "1.0.0", object_id)
    records.close()
    answer = httpx.get(f"{folder_registry.base_url}/data_product/team:local@1.0.0")
    assert answer.status_code == 503
    assert DATA not in answer.content


def test_registry_without_data_store_says_so(tmp_path: Path) -> None:
    with running_registry(tmp_path) as registry:
        answer = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers())
        assert answer.status_code == 501
        assert "--data-store" in answer.json()["detail"]
        assert httpx.get(f"{registry.base_url}/data/{SHA1}").status_code == 404


# --- S3 (moto) -----------------------------------------------------------------------------------


@pytest.fixture
def s3_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """moto's S3 server with a fresh bucket (`FDP_TEST_BUCKET`), standing in for S3 (no real S3
    server is installable here). moto keeps its state per process, hence one bucket per test."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "FDP_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "moto-key",
        "AWS_SECRET_ACCESS_KEY": "moto-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FDP_TEST_BUCKET": f"team-{os.urandom(4).hex()}",
    }
    boto3.client(
        "s3",
        endpoint_url=env["FDP_S3_ENDPOINT_URL"],
        aws_access_key_id="moto-key",
        aws_secret_access_key="moto-secret",
        region_name="us-east-1",
    ).create_bucket(Bucket=env["FDP_TEST_BUCKET"])
    try:
        yield env
    finally:
        server.stop()


@pytest.fixture
def s3_registry(tmp_path: Path, s3_env: dict[str, str]) -> Iterator[RunningRegistry]:
    with running_registry(
        tmp_path, data_store=f"s3://{s3_env['FDP_TEST_BUCKET']}/fdp", shared=True, env=s3_env
    ) as registry:
        yield registry


def test_s3_upload_round_trip(
    s3_registry: RunningRegistry, s3_env: dict[str, str], tmp_path: Path
) -> None:
    registry = s3_registry
    post = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers())
    assert post.status_code == 200, post.text
    url = post.json()["url"]
    assert url.startswith(
        s3_env["FDP_S3_ENDPOINT_URL"] + f"/{s3_env['FDP_TEST_BUCKET']}/fdp/{SHA1}?"
    )
    assert "x-amz-checksum-sha1" in parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"][0]
    put = httpx.put(url, content=DATA, headers={"x-amz-checksum-sha1": sha1_hex_to_base64(SHA1)})
    assert put.status_code == 200
    assert (
        httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers()).status_code
        == 409
    )

    register_upload(registry, tmp_path, SHA1, private=False)
    download = httpx.get(f"{registry.base_url}/data/{SHA1}")
    assert download.status_code == 302
    assert download.headers["location"].startswith(s3_env["FDP_S3_ENDPOINT_URL"])
    assert httpx.get(download.headers["location"]).content == DATA


def test_s3_wrong_bytes_are_not_kept(s3_registry: RunningRegistry) -> None:
    registry = s3_registry
    url = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers()).json()["url"]
    httpx.put(url, content=b"tampered", headers={"x-amz-checksum-sha1": sha1_hex_to_base64(SHA1)})
    # Real S3 refuses the PUT (BadDigest); moto keeps it, and the registry then finds it wrong.
    again = httpx.post(f"{registry.api}data/{SHA1}", headers=registry.admin_headers())
    assert again.status_code == 200
