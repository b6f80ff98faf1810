"""The upload protocol of a shared registry, end to end against fdp's registry app in process.

Folder store: `POST /api/data/<sha1>` → signed URL on the registry → PUT → `GET /data/<sha1>`.
S3 store: the same against moto's S3 server (a thread) on a free loopback port; moto stands in
because no real S3 server is installable here. moto checks neither presigned signatures nor the
`x-amz-checksum-sha1` header, so the wrong-bytes case shows the registry's own check (it hashes
objects whose checksum the server does not report).

One registry per backend serves the whole module; every test uploads its own content.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fdpd.base.hashing import sha1_hex_to_base64
from tests.conftest import free_port
from tests.inprocess import InProcessRegistry, registry_in_process
from tests.registry.records import RecordWriter


@dataclass(frozen=True)
class Served:
    registry: InProcessRegistry
    workdir: Path

    @property
    def files(self) -> Path:
        return self.workdir / "files"

    def upload_url(self, sha1: str) -> str:
        answer = self.registry.post(
            f"{self.registry.api}data/{sha1}", headers=self.registry.admin_headers()
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["url"])

    def register(self, sha1: str, private: bool = False) -> None:
        """What the client does after its PUT: a storage location under `<registry>/data/`."""
        records = RecordWriter(f"sqlite:///{self.workdir / 'registry.db'}")
        location = records.location(self.registry.base_url + "/data/", sha1, sha1)
        object_id, _ = records.object(location, "csv")
        if private:
            records.add("key_value", key="accessibility", value="private", object_id=object_id)
        records.close()


def content(tag: str) -> tuple[bytes, str]:
    data = f"station,flow\n{tag},1.5\n".encode()
    return data, hashlib.sha1(data).hexdigest()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A shared registry with a folder data store: fdp's registry app, in process."""
    workdir = tmp_path_factory.mktemp("folder-store")
    store = workdir / "files"
    with registry_in_process(workdir, shared=True, data_store=store) as registry:
        yield Served(registry, workdir)


def test_folder_upload_round_trip(folder: Served) -> None:
    registry = folder.registry
    data, sha1 = content("round-trip")
    url = folder.upload_url(sha1)
    assert url.startswith(f"{registry.base_url}/data/upload/{sha1}?")
    assert registry.put(url, content=data).status_code == 200
    assert (folder.files / sha1[:2] / sha1).read_bytes() == data
    again = registry.post(f"{registry.api}data/{sha1}", headers=registry.admin_headers())
    assert (again.status_code, again.content) == (409, b"")

    assert registry.get(f"{registry.base_url}/data/{sha1}").status_code == 404  # not registered
    folder.register(sha1)
    download = registry.get(f"{registry.base_url}/data/{sha1}")
    assert (download.status_code, download.content) == (200, data)
    secret = folder.files / ".upload-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_folder_upload_refuses_wrong_bytes(folder: Served) -> None:
    registry = folder.registry
    data, sha1 = content("wrong-bytes")
    url = registry.post(
        f"{registry.api}data", json={"checksum": sha1}, headers=registry.admin_headers()
    ).json()["url"]
    wrong = registry.put(url, content=data + b"tampered")
    assert wrong.status_code == 400
    assert "nothing was stored" in wrong.json()["detail"]
    assert not (folder.files / sha1[:2] / sha1).exists()
    assert list(folder.files.rglob("*.part")) == []
    assert (
        registry.post(f"{registry.api}data/{sha1}", headers=registry.admin_headers()).status_code
        == 200
    )


def test_folder_upload_url_cannot_be_forged(folder: Served) -> None:
    data, sha1 = content("forged")
    registry = folder.registry
    query = parse_qs(urlsplit(folder.upload_url(sha1)).query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    upload = f"{folder.registry.base_url}/data/upload/"
    other = hashlib.sha1(b"other").hexdigest()
    forged = f"{upload}{other}?expires={expires}&signature={signature}"
    assert registry.put(forged, content=b"other").status_code == 403
    later = f"{upload}{sha1}?expires={expires + 1}&signature={signature}"
    assert registry.put(later, content=data).status_code == 403
    assert registry.put(f"{upload}{sha1}", content=data).status_code == 403
    # A non-ASCII digit (found by the registry fuzz): refused, not a 500 from int().
    superscript = f"{upload}{sha1}?expires=%C2%B3&signature={signature}"
    assert registry.put(superscript, content=data).status_code == 403
    assert not (folder.files / sha1[:2] / sha1).exists()


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "token " + "0" * 40}, "Invalid token."),
    ],
)
def test_upload_urls_need_a_valid_token(
    folder: Served, headers: dict[str, str], detail: str
) -> None:
    _, sha1 = content("token")
    answer = folder.registry.post(f"{folder.registry.api}data/{sha1}", headers=headers)
    assert (answer.status_code, answer.json()) == (403, {"detail": detail})


@pytest.mark.parametrize("body", [None, {}, {"checksum": "not-a-hash"}, ["x"]])
def test_upload_url_without_usable_checksum_is_empty_400(folder: Served, body: object) -> None:
    registry = folder.registry
    answer = registry.post(f"{registry.api}data/", json=body, headers=registry.admin_headers())
    assert (answer.status_code, answer.content) == (400, b"")


def test_private_objects_need_a_token(folder: Served) -> None:
    registry = folder.registry
    data, sha1 = content("private")
    registry.put(folder.upload_url(sha1), content=data).raise_for_status()
    folder.register(sha1, private=True)
    assert registry.get(f"{registry.base_url}/data/{sha1}").status_code == 403
    with_token = registry.get(f"{registry.base_url}/data/{sha1}", headers=registry.admin_headers())
    assert (with_token.status_code, with_token.content) == (200, data)


def test_shared_registry_does_not_serve_local_roots(folder: Served) -> None:
    """Files under `file://` roots belong to someone's machine, not to the shared registry."""
    data, sha1 = content("local")
    (folder.workdir / "local.csv").write_bytes(data)
    records = RecordWriter(f"sqlite:///{folder.workdir / 'registry.db'}")
    location = records.location(f"file://{folder.workdir}/", "local.csv", sha1)
    object_id, _ = records.object(location, "csv")
    records.data_product("team", "local", "1.0.0", object_id)
    records.close()
    answer = folder.registry.get(f"{folder.registry.base_url}/data_product/team:local@1.0.0")
    assert answer.status_code == 503
    assert data not in answer.content


def test_registry_without_data_store_says_so(tmp_path: Path) -> None:
    _, sha1 = content("no-store")
    with registry_in_process(tmp_path, with_data_store=False) as registry:
        answer = registry.post(f"{registry.api}data/{sha1}", headers=registry.admin_headers())
        assert answer.status_code == 501
        assert "--data-store" in answer.json()["detail"]
        assert registry.get(f"{registry.base_url}/data/{sha1}").status_code == 404


# --- S3 (moto) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Served:
    served: Served
    endpoint: str
    bucket: str


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Served]:
    """moto's S3 server with a fresh bucket, standing in for S3 (no real S3 server is installable
    here), and a shared registry whose data store is `s3://<bucket>/fdp`."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    bucket = f"team-{os.urandom(4).hex()}"  # moto keeps state per process: never reuse names
    env = {
        "FDP_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "moto-key",
        "AWS_SECRET_ACCESS_KEY": "moto-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="moto-key",
        aws_secret_access_key="moto-secret",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    workdir = tmp_path_factory.mktemp("s3-store")
    try:
        with pytest.MonkeyPatch.context() as environment:
            for name, value in env.items():  # as `fdpd registry serve` would be started
                environment.setenv(name, value)
            store = f"s3://{bucket}/fdp"
            with registry_in_process(workdir, shared=True, data_store=store) as registry:
                yield S3Served(Served(registry, workdir), endpoint, bucket)
    finally:
        server.stop()


def test_s3_upload_round_trip(s3: S3Served) -> None:
    registry = s3.served.registry
    data, sha1 = content("s3-round-trip")
    url = s3.served.upload_url(sha1)
    assert url.startswith(f"{s3.endpoint}/{s3.bucket}/fdp/{sha1}?")
    assert "x-amz-checksum-sha1" in parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"][0]
    put = httpx.put(url, content=data, headers={"x-amz-checksum-sha1": sha1_hex_to_base64(sha1)})
    assert put.status_code == 200
    again = registry.post(f"{registry.api}data/{sha1}", headers=registry.admin_headers())
    assert again.status_code == 409

    s3.served.register(sha1)
    download = registry.get(f"{registry.base_url}/data/{sha1}")
    assert download.status_code == 302
    assert download.headers["location"].startswith(s3.endpoint)
    assert httpx.get(download.headers["location"]).content == data


def test_s3_wrong_bytes_are_not_kept(s3: S3Served) -> None:
    registry = s3.served.registry
    _, sha1 = content("s3-wrong")
    url = s3.served.upload_url(sha1)
    httpx.put(url, content=b"tampered", headers={"x-amz-checksum-sha1": sha1_hex_to_base64(sha1)})
    # Real S3 refuses the PUT (BadDigest); moto keeps it, and the registry then finds it wrong.
    again = registry.post(f"{registry.api}data/{sha1}", headers=registry.admin_headers())
    assert again.status_code == 200
    s3.served.register(sha1)
    assert registry.get(f"{registry.base_url}/data/{sha1}").status_code == 404
