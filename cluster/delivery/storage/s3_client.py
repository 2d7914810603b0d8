"""The boto3 S3 client we use, and which of its errors are worth retrying.

Region, credentials and endpoint come the standard boto3 way (environment, profiles, instance
roles, AWS_ENDPOINT_URL for S3-compatible stores). botocore's own retries are off so that one
policy (ours, `RetryPolicy`) decides, the same for every call and testable.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    IncompleteReadError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from cluster.delivery.storage.config import StorageConfig

S3Client = Any  # boto3 clients are generated at run time; no stubs are installed

_TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestThrottled",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestTimeout",
        "RequestTimeoutException",
        "BadDigest",  # the bytes were damaged on the way: sending them again fixes it
        "XAmzContentSHA256Mismatch",
    }
)


class ChecksumMismatch(Exception):
    """What S3 reports having stored is not what we sent (or what we read is not what it has)."""


def make_client(config: StorageConfig, service: str = "s3") -> S3Client:
    boto_config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=config.connect_timeout_s,
        read_timeout=config.read_timeout_s,
        signature_version="s3v4",
        max_pool_connections=16,
        # We send and verify SHA-256 ourselves; botocore's automatic CRC32 would be a second
        # checksum, and its response validation cannot check composite (multipart) checksums.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(service, config=boto_config)


def status_of(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def code_of(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_missing(error: BaseException) -> bool:
    return isinstance(error, ClientError) and (
        status_of(error) == 404 or code_of(error) in ("NoSuchKey", "NotFound", "404")
    )


def retryable(error: BaseException) -> bool:
    """5xx, throttling, timeouts, dropped connections and damaged bytes; nothing else."""
    if isinstance(error, ClientError):
        status = status_of(error)
        return status >= 500 or status == 429 or code_of(error) in _TRANSIENT_CODES
    return isinstance(
        error, BotoConnectionError | HTTPClientError | IncompleteReadError | ChecksumMismatch
    )


def describe(error: BaseException) -> str:
    if isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message") or ""
        return f"{code_of(error) or 'error'} (HTTP {status_of(error)}) {message}".strip()
    if isinstance(error, BotoCoreError | ChecksumMismatch):
        return str(error)
    return f"{type(error).__name__}: {error}"
