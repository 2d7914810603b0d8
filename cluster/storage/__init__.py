"""Where artifacts go: a local directory (default) or S3 behind CloudFront, by versioned keys."""

from cluster.storage import keys
from cluster.storage.config import StorageConfig
from cluster.storage.errors import (
    DownloadFailed,
    InvalidKey,
    ObjectMissing,
    PrivateKey,
    StorageConfigError,
    StorageError,
    UploadFailed,
    VersionConflict,
)
from cluster.storage.factory import open_storage
from cluster.storage.local import LocalStorage
from cluster.storage.protocol import Storage, StoredObject
from cluster.storage.retry import RetryPolicy

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
    "keys",
    "open_storage",
]
