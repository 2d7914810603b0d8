"""CloudFront: artifact URLs on the distribution's domain, signed when a key pair is configured,
and invalidations for the rare object overwritten in place.

Versioned and content-addressed keys are never overwritten, so publishing an edit (a new
version under a new key) never needs an invalidation; `invalidate` exists for anything that is
rewritten under the same key (none of scenefarm's own keys are).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.signers import CloudFrontSigner

from cluster.delivery.storage import object_keys
from cluster.delivery.storage.config import StorageConfig
from cluster.delivery.storage.errors import StorageConfigError, StorageError
from cluster.delivery.storage.s3_client import describe, make_client, retryable

if TYPE_CHECKING:  # cryptography is imported only when URLs are signed (it is slow to import)
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey


def load_private_key(path: Path) -> RSAPrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise StorageConfigError(f"SCENEFARM_CDN_PRIVATE_KEY_FILE {path}: {e}") from e
    if not isinstance(key, rsa.RSAPrivateKey):
        raise StorageConfigError(f"SCENEFARM_CDN_PRIVATE_KEY_FILE {path}: not an RSA key")
    return key


def rsa_sha1_signer(key: RSAPrivateKey) -> Callable[[bytes], bytes]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    # CloudFront's signed URLs are defined as RSA-SHA1 over the policy; it accepts nothing else.
    return lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303


class CloudFrontUrls:
    """https://{domain}/{path}, with a canned-policy signature expiring after ttl_s."""

    def __init__(
        self,
        domain: str,
        ttl_s: int,
        key_pair_id: str | None = None,
        private_key: RSAPrivateKey | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.domain, self.ttl_s, self.clock = domain, ttl_s, clock
        self._signer = (
            CloudFrontSigner(key_pair_id, rsa_sha1_signer(private_key))
            if key_pair_id and private_key
            else None
        )

    def url(self, path: str) -> str:
        url = f"https://{self.domain}/{quote(path)}"
        if self._signer is None:
            return url
        expires = datetime.fromtimestamp(int(self.clock()) + self.ttl_s, tz=UTC)
        signed: str = self._signer.generate_presigned_url(url, date_less_than=expires)
        return signed

    @classmethod
    def from_config(cls, config: StorageConfig) -> CloudFrontUrls | None:
        if config.cdn_domain is None:
            return None
        key = load_private_key(config.cdn_private_key_file) if config.cdn_private_key_file else None
        return cls(config.cdn_domain, config.url_ttl_s, config.cdn_key_pair_id, key)


def invalidate(config: StorageConfig, keys: Sequence[str], reference: str | None = None) -> str:
    """Invalidates objects overwritten in place (never versioned keys); returns its id.

    `reference` makes the call idempotent: retrying with the same one returns the same
    invalidation instead of starting another. By default it is derived from the paths and time.
    """
    if not config.cdn_distribution_id:
        raise StorageConfigError("invalidations need SCENEFARM_CDN_DISTRIBUTION_ID")
    paths = sorted("/" + config.key_prefix + object_keys.check(k) for k in keys)
    reference = reference or _reference(paths)
    client = make_client(config, "cloudfront")
    batch = {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference}
    try:
        response = config.retry.call(
            lambda: client.create_invalidation(
                DistributionId=config.cdn_distribution_id, InvalidationBatch=batch
            ),
            retryable,
        )
    except Exception as e:
        raise StorageError(f"invalidation of {', '.join(paths)} failed: {describe(e)}") from e
    return str(response["Invalidation"]["Id"])


def _reference(paths: Sequence[str]) -> str:
    digest = hashlib.sha256("\n".join(paths).encode()).hexdigest()[:16]
    return f"scenefarm-{digest}-{time.time_ns()}"
