"""One file to S3: a single PUT or a multipart upload; checksummed, retried and atomic.

Atomic because S3 makes an object visible only when a PUT or a CompleteMultipartUpload
succeeds; a multipart upload that fails is aborted, so its parts never show up anywhere.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from cluster.delivery.storage.config import S3_MAX_PARTS, StorageConfig
from cluster.delivery.storage.digests import Digests, Part, digests
from cluster.delivery.storage.s3_client import ChecksumMismatch, S3Client, code_of, retryable

log = logging.getLogger(__name__)
_MD5 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Target:
    bucket: str
    key: str  # the full key, prefix included
    content_type: str
    cache_control: str
    metadata: Mapping[str, str]

    def params(self) -> dict[str, Any]:
        return {"Bucket": self.bucket, "Key": self.key}

    def headers(self, sha256_hex: str) -> dict[str, Any]:
        metadata = {**self.metadata, "sha256": sha256_hex}  # our content hash, read by head()
        return {
            "ContentType": self.content_type,
            "CacheControl": self.cache_control,
            "Metadata": metadata,
        }


def part_bytes(size: int, config: StorageConfig) -> int | None:
    """None: one PUT. Parts grow past the configured size only to stay within S3's 10,000."""
    if size <= config.multipart_threshold_bytes:
        return None
    return max(config.multipart_part_bytes, math.ceil(size / S3_MAX_PARTS))


def upload(client: S3Client, target: Target, path: Path, config: StorageConfig) -> Digests:
    """Uploads path to target; raises botocore errors or ChecksumMismatch (nothing stored)."""
    d = digests(path, part_bytes(path.stat().st_size, config))
    if d.parts:
        _multipart(client, target, path, d, config)
    else:
        _single(client, target, path, d, config)
    return d


def _single(
    client: S3Client, target: Target, path: Path, d: Digests, config: StorageConfig
) -> None:
    def put() -> dict[str, Any]:
        with path.open("rb") as body:
            response: dict[str, Any] = client.put_object(
                **target.params(),
                Body=body,
                ContentLength=d.size,
                ChecksumSHA256=d.sha256_b64,
                **target.headers(d.sha256_hex),
            )
        return response

    response = config.retry.call(put, retryable)
    if not _matches(response, d.sha256_b64, d.single_etag):
        # S3 checks the checksum header itself; getting here means a broken server or proxy.
        # The object is visible with the wrong bytes: take it away before failing.
        client.delete_object(**target.params())
        raise ChecksumMismatch(f"s3://{target.bucket}/{target.key}: stored bytes differ")


def _multipart(
    client: S3Client, target: Target, path: Path, d: Digests, config: StorageConfig
) -> None:
    created = config.retry.call(
        lambda: client.create_multipart_upload(
            **target.params(), ChecksumAlgorithm="SHA256", **target.headers(d.sha256_hex)
        ),
        retryable,
    )
    upload_id = str(created["UploadId"])
    try:
        done = [_part(client, target, upload_id, path, part, config) for part in d.parts]
        _complete(client, target, upload_id, done, d, config)
    except BaseException:
        _abort(client, target, upload_id, config)
        raise


def _part(
    client: S3Client, target: Target, upload_id: str, path: Path, part: Part, config: StorageConfig
) -> dict[str, Any]:
    def send() -> dict[str, Any]:
        with path.open("rb") as f:
            f.seek(part.offset)
            data = f.read(part.size)
        response = client.upload_part(
            **target.params(),
            UploadId=upload_id,
            PartNumber=part.number,
            Body=data,
            ContentLength=part.size,
            ChecksumSHA256=part.sha256_b64,
        )
        if not _matches(response, part.sha256_b64, part.md5_hex):
            raise ChecksumMismatch(f"part {part.number} of {target.key} arrived damaged")
        return {
            "PartNumber": part.number,
            "ETag": response["ETag"],
            "ChecksumSHA256": part.sha256_b64,
        }

    result: dict[str, Any] = config.retry.call(send, retryable)
    return result


def _complete(
    client: S3Client,
    target: Target,
    upload_id: str,
    parts: list[dict[str, Any]],
    d: Digests,
    config: StorageConfig,
) -> None:
    def complete() -> dict[str, Any]:
        try:
            response: dict[str, Any] = client.complete_multipart_upload(
                **target.params(), UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except Exception as e:
            # A retried complete whose first try did succeed (its reply was lost) finds the
            # upload gone: the object is there, and ours if it carries our digest.
            if _gone(e) and _has_digest(client, target, d):
                return {}
            raise
        return response

    response = config.retry.call(complete, retryable)
    if response and not _matches(response, d.composite_sha256_b64, d.multipart_etag):
        client.delete_object(**target.params())
        raise ChecksumMismatch(f"s3://{target.bucket}/{target.key}: stored bytes differ")


def _abort(client: S3Client, target: Target, upload_id: str, config: StorageConfig) -> None:
    """Best effort: a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the backstop."""
    try:
        config.retry.call(
            lambda: client.abort_multipart_upload(**target.params(), UploadId=upload_id),
            retryable,
        )
    except Exception as e:  # noqa: BLE001 (an abort that fails only leaves parts for the bucket's lifecycle rule)
        log.warning("could not abort multipart upload %s of %s: %s", upload_id, target.key, e)


def _gone(error: BaseException) -> bool:
    return isinstance(error, ClientError) and code_of(error) == "NoSuchUpload"


def _has_digest(client: S3Client, target: Target, d: Digests) -> bool:
    try:
        head = client.head_object(**target.params())
    except Exception:  # noqa: BLE001 (any failure to look means: upload it again)
        return False
    return bool(head.get("Metadata", {}).get("sha256") == d.sha256_hex)


def _matches(response: Mapping[str, Any], sha256_b64: str, etag: str) -> bool:
    """Checks what S3 reports: its SHA-256 checksum when it returns one, else a plain ETag.

    A composite checksum comes back as `digest-N` from S3 (plain `digest` from some
    compatible stores). An ETag that is not an MD5 (SSE-KMS) cannot be checked; S3 has then
    verified our checksum header itself.
    """
    checksum = response.get("ChecksumSHA256")
    if checksum:
        return bool(str(checksum).split("-")[0] == sha256_b64)
    returned = str(response.get("ETag", "")).strip('"')
    if _MD5.fullmatch(returned.split("-")[0]):
        return returned == etag
    return True
