"""StorageConfig: the plain settings object the storage factory takes (api/ builds it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cluster.delivery.storage.errors import StorageConfigError
from cluster.delivery.storage.retry import RetryPolicy

MIB = 1024 * 1024
S3_MIN_PART_BYTES = 5 * MIB  # S3 rejects smaller parts (except the last one)
S3_MAX_PART_BYTES = 5 * 1024 * MIB
S3_MAX_PARTS = 10_000
BACKENDS = ("local", "s3")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_DOMAIN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?")


@dataclass(frozen=True)
class StorageConfig:
    backend: str = "local"  # SCENEFARM_STORAGE
    local_root: Path | None = None  # local backend: the artifacts directory
    public_url: str | None = None  # local backend: URLs {public_url}/artifacts/{key}
    s3_bucket: str | None = None
    s3_prefix: str = ""
    cdn_domain: str | None = None  # s3: URLs https://{cdn_domain}/{prefix}{key}
    cdn_key_pair_id: str | None = None  # with the private key: CloudFront signed URLs
    cdn_private_key_file: Path | None = None
    cdn_distribution_id: str | None = None  # only for invalidations of in-place overwrites
    url_ttl_s: int = 3600  # signed and presigned URLs expire after this
    multipart_threshold_bytes: int = 64 * MIB  # larger files go up in parts
    multipart_part_bytes: int = 16 * MIB
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        problems = [p for check in _CHECKS for p in check(self)]
        if problems:
            raise StorageConfigError("storage settings: " + "; ".join(problems))

    @property
    def key_prefix(self) -> str:
        """The prefix as stored: no leading slash, one trailing slash, or empty."""
        prefix = self.s3_prefix.strip("/")
        return f"{prefix}/" if prefix else ""

    @property
    def signs_urls(self) -> bool:
        return self.cdn_key_pair_id is not None


def _backend(c: StorageConfig) -> list[str]:
    if c.backend not in BACKENDS:
        return [f"SCENEFARM_STORAGE must be one of {', '.join(BACKENDS)}, got {c.backend!r}"]
    if c.backend == "local" and c.local_root is None:
        return ["the local backend needs a directory (local_root)"]
    return []


def _s3(c: StorageConfig) -> list[str]:
    if c.backend != "s3":
        s3_only = {
            "SCENEFARM_S3_BUCKET": c.s3_bucket,
            "SCENEFARM_CDN_DOMAIN": c.cdn_domain,
            "SCENEFARM_CDN_KEY_PAIR_ID": c.cdn_key_pair_id,
        }
        given = [name for name, value in s3_only.items() if value]
        return [f"{', '.join(given)} needs SCENEFARM_STORAGE=s3"] if given else []
    if not c.s3_bucket:
        return ["SCENEFARM_STORAGE=s3 needs SCENEFARM_S3_BUCKET"]
    if not _BUCKET.fullmatch(c.s3_bucket) or ".." in c.s3_bucket:
        return [f"SCENEFARM_S3_BUCKET {c.s3_bucket!r} is not a valid bucket name"]
    if any(p in (".", "..") for p in c.key_prefix.split("/")) or "//" in c.s3_prefix.strip("/"):
        return [f"SCENEFARM_S3_PREFIX {c.s3_prefix!r} has empty, '.' or '..' segments"]
    return []


def _cdn(c: StorageConfig) -> list[str]:
    problems = []
    if c.cdn_domain is not None and not _DOMAIN.fullmatch(c.cdn_domain):
        problems.append(
            f"SCENEFARM_CDN_DOMAIN {c.cdn_domain!r} must be a host name such as "
            "d111111abcdef8.cloudfront.net (no scheme, no path)"
        )
    if (c.cdn_key_pair_id is None) != (c.cdn_private_key_file is None):
        problems.append(
            "signed URLs need both SCENEFARM_CDN_KEY_PAIR_ID and SCENEFARM_CDN_PRIVATE_KEY_FILE"
        )
    if c.cdn_key_pair_id is not None and c.cdn_domain is None:
        problems.append("SCENEFARM_CDN_KEY_PAIR_ID needs SCENEFARM_CDN_DOMAIN")
    if c.url_ttl_s < 1:
        problems.append(f"SCENEFARM_URL_TTL_S must be at least 1, got {c.url_ttl_s}")
    return problems


def _public_url(c: StorageConfig) -> list[str]:
    url = c.public_url
    if url is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        return [f"SCENEFARM_PUBLIC_URL {url!r} must be an http(s) URL without query"]
    return []


def _multipart(c: StorageConfig) -> list[str]:
    part = c.multipart_part_bytes
    if not S3_MIN_PART_BYTES <= part <= S3_MAX_PART_BYTES:
        return [f"multipart part size must be 5 MiB..5 GiB (S3's limits), got {part} bytes"]
    if c.multipart_threshold_bytes < part:
        return ["the multipart threshold must be at least one part size"]
    return []


_CHECKS = (_backend, _s3, _cdn, _public_url, _multipart)
