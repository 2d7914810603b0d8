"""Picks the storage backend named by the config."""

from __future__ import annotations

from cluster.delivery.storage.config import StorageConfig
from cluster.delivery.storage.local import LocalStorage
from cluster.delivery.storage.protocol import Storage


def open_storage(config: StorageConfig) -> Storage:
    if config.backend == "s3":
        # boto3 costs a few hundred ms to import: only S3 users pay it.
        from cluster.delivery.storage.s3 import S3Storage

        return S3Storage(config)
    if config.local_root is None:  # StorageConfig has checked this; kept for the type checker
        raise ValueError("the local backend needs local_root")
    return LocalStorage(config.local_root, config.public_url)
