"""Where artifacts go: a local directory (default) or S3 behind CloudFront, by versioned keys."""

from cluster.delivery.storage import object_keys
from cluster.delivery.storage.config import StorageConfig
from cluster.delivery.storage.errors import (
    DownloadFailed,
    InvalidKey,
    ObjectMissing,
    PrivateKey,
    StorageConfigError,
    StorageError,
    UploadFailed,
    VersionConflict,
)
from cluster.delivery.storage.factory import open_storage
from cluster.delivery.storage.local import LocalStorage
from cluster.delivery.storage.protocol import Storage, StoredObject
from cluster.delivery.storage.retry import RetryPolicy

__all__ = [
    "DownloadFailed",
    "InvalidKey",
    "LocalStorage",
    "ObjectMissing",
    "PrivateKey",
    "RetryPolicy",
    "Storage",
    "StorageConfig",
    "StorageConfigError",
    "StorageError",
    "StoredObject",
    "UploadFailed",
    "VersionConflict",
    "object_keys",
    "open_storage",
]
