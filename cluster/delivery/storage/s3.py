"""The S3 backend: a private bucket (under an optional prefix), reached with boto3.

URLs are CloudFront URLs when a distribution is configured (signed with its key pair when one
is), otherwise presigned GET URLs on S3 itself; both expire after `url_ttl_s`.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cluster.delivery.storage import object_keys
from cluster.delivery.storage.cdn import CloudFrontUrls
from cluster.delivery.storage.config import StorageConfig
from cluster.delivery.storage.errors import DownloadFailed, ObjectMissing, PrivateKey, UploadFailed
from cluster.delivery.storage.protocol import StoredObject
from cluster.delivery.storage.s3_client import (
    ChecksumMismatch,
    S3Client,
    describe,
    is_missing,
    make_client,
    retryable,
)
from cluster.delivery.storage.s3_upload import Target, upload

_READ_BYTES = 1024 * 1024


class S3Storage:
    shared = True

    def __init__(self, config: StorageConfig, client: S3Client | None = None) -> None:
        if config.s3_bucket is None:
            raise ValueError("S3Storage needs a bucket")  # StorageConfig checks this first
        self.config = config
        self.bucket = config.s3_bucket
        self.prefix = config.key_prefix
        self.client = client if client is not None else make_client(config)
        self.cdn = CloudFrontUrls.from_config(config)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _key(self, key: str) -> str:
        return self.prefix + object_keys.check(key)

    def put(self, key: str, path: Path, metadata: Mapping[str, str] | None = None) -> StoredObject:
        target = Target(
            self.bucket,
            self._key(key),
            object_keys.content_type(key),
            object_keys.cache_control(key),
            dict(metadata or {}),
        )
        try:
            d = upload(self.client, target, path, self.config)
        except Exception as e:
            raise UploadFailed(self.location + key, describe(e)) from e
        return StoredObject(key, d.size, d.sha256_hex, dict(metadata or {}))

    def head(self, key: str) -> StoredObject | None:
        full = self._key(key)

        def head() -> dict[str, Any] | None:
            try:
                response: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=full)
            except Exception as e:
                if is_missing(e):
                    return None
                raise
            return response

        try:
            response = self.config.retry.call(head, retryable)
        except Exception as e:
            raise DownloadFailed(self.location + key, describe(e)) from e
        return None if response is None else _stored(key, response)

    def get(self, key: str, dest: Path) -> StoredObject:
        try:
            return self.config.retry.call(lambda: self._download(key, dest), retryable)
        except ObjectMissing:
            raise
        except Exception as e:
            if is_missing(e):
                raise ObjectMissing(self.location + key) from e
            raise DownloadFailed(self.location + key, describe(e)) from e

    def _download(self, key: str, dest: Path) -> StoredObject:
        response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        stored = _stored(key, response)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial", delete=False
        ) as f:
            tmp = Path(f.name)
            digest = hashlib.sha256()
            try:
                for block in response["Body"].iter_chunks(_READ_BYTES):
                    digest.update(block)
                    f.write(block)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        if stored.sha256 is not None and digest.hexdigest() != stored.sha256:
            tmp.unlink(missing_ok=True)
            raise ChecksumMismatch(f"{self.location}{key}: downloaded bytes differ")
        tmp.replace(dest)
        return stored

    def delete(self, key: str) -> None:
        full = self._key(key)
        try:
            self.config.retry.call(
                lambda: self.client.delete_object(Bucket=self.bucket, Key=full), retryable
            )
        except Exception as e:
            raise UploadFailed(self.location + key, f"delete: {describe(e)}") from e

    def url(self, key: str) -> str:
        if object_keys.is_private(key):
            raise PrivateKey(key)
        if self.cdn is not None:
            return self.cdn.url(self._key(key))
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(key)},
            ExpiresIn=self.config.url_ttl_s,
        )
        return url


def _stored(key: str, response: Mapping[str, Any]) -> StoredObject:
    metadata = {str(k): str(v) for k, v in (response.get("Metadata") or {}).items()}
    size = int(response.get("ContentLength", 0))
    return StoredObject(key, size, metadata.get("sha256"), metadata)
