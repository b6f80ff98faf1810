"""A data store in an S3 bucket (or any S3-compatible server), via presigned URLs.

Upload URLs are presigned PUTs carrying `ChecksumSHA1`: the client must send the header
`x-amz-checksum-sha1: <base64 of the SHA-1 digest>` (it is a signed header), and S3 rejects bytes
that do not match it. Servers that ignore checksums (moto, some S3 clones) are caught here: an
object whose checksum the server does not report is downloaded and hashed once before the
registry trusts it, and deleted if it does not match.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fdpd.base.hashing import CHUNK_SIZE, is_sha1_hex, sha1_hex_to_base64
from fdpd.store.base import Redirect, StoreError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ENDPOINT_ENV = "FDP_S3_ENDPOINT_URL"
DEFAULT_URL_LIFETIME_SECONDS = 3600


class S3Store:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        prefix: str = "",
        url_lifetime_seconds: int = DEFAULT_URL_LIFETIME_SECONDS,
    ) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._lifetime = url_lifetime_seconds
        self._verified: set[str] = set()

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        """`s3://bucket/prefix`; endpoint from FDP_S3_ENDPOINT_URL, credentials the AWS way."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise StoreError(f"{url!r} is not an S3 data store URL; use s3://bucket/prefix", 400)
        return cls(make_s3_client(), parts.netloc, parts.path)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, sha1: str) -> str:
        if not is_sha1_hex(sha1):
            raise StoreError(f"{sha1!r} is not a SHA-1 (40 lowercase hex digits)", 400)
        return self.prefix + sha1

    def contains(self, sha1: str) -> bool:
        with self._unavailable_as_store_error():
            return self._contains(sha1)

    def _contains(self, sha1: str) -> bool:
        key = self.key(sha1)
        head = self._head(key)
        if head is None:
            return False
        if sha1 in self._verified:
            return True
        reported = head.get("ChecksumSHA1")
        if reported is not None:
            trusted = bool(reported == sha1_hex_to_base64(sha1))
        else:
            trusted = self._content_sha1(key) == sha1
        if not trusted:
            self._client.delete_object(Bucket=self.bucket, Key=key)
            return False
        self._verified.add(sha1)
        return True

    def upload_url(self, sha1: str, registry_base_url: str) -> str:
        params = {"Bucket": self.bucket, "Key": self.key(sha1)}
        params["ChecksumSHA1"] = sha1_hex_to_base64(sha1)
        with self._unavailable_as_store_error():
            url = self._client.generate_presigned_url(
                "put_object", Params=params, ExpiresIn=self._lifetime
            )
        return str(url)

    def download(self, sha1: str) -> Redirect | None:
        if not self.contains(sha1):
            return None
        with self._unavailable_as_store_error():
            url = self._client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self.key(sha1)},
                ExpiresIn=self._lifetime,
            )
        return Redirect(str(url))

    @contextmanager
    def _unavailable_as_store_error(self) -> Iterator[None]:
        """S3 failures (unreachable, no credentials, no bucket) as a 503 naming the store."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise StoreError(f"data store {self.describe()} is unavailable: {error}", 503) from None

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return dict(
                self._client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise

    def _content_sha1(self, key: str) -> str:
        digest = hashlib.sha1()
        body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
        for chunk in body.iter_chunks(CHUNK_SIZE):
            digest.update(chunk)
        return digest.hexdigest()


def make_s3_client() -> S3Client:
    """A SigV4 S3 client (so the checksum header is part of the presigned signature)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=os.environ.get(ENDPOINT_ENV) or None,
        region_name=session.region_name or "us-east-1",
        config=Config(signature_version="s3v4"),
    )
