"""What can go wrong when storing artifacts: few, flat errors, each naming the key involved."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage failure."""


class StorageConfigError(StorageError, ValueError):
    """The storage settings are incomplete or inconsistent (raised before anything is stored)."""


class InvalidKey(StorageError, ValueError):
    """A key (or a part of one: lesson id, index, version, digest) is malformed."""


class PrivateKey(StorageError):
    """The object is private (scene source): it has no URL."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} is private and has no URL")
        self.key = key


class ObjectMissing(StorageError):
    """No object under this key."""

    def __init__(self, location: str) -> None:
        super().__init__(f"{location} does not exist")
        self.location = location


class UploadFailed(StorageError):
    """An object could not be stored; nothing was left under its final key."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"upload of {location} failed: {_one_line(reason)}")
        self.location, self.reason = location, reason


class DownloadFailed(StorageError):
    """An object exists but could not be read back intact."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"reading {location} failed: {_one_line(reason)}")
        self.location, self.reason = location, reason


class VersionConflict(StorageError):
    """A versioned key already holds other bytes: versions are immutable, publish a new one."""

    def __init__(self, location: str) -> None:
        super().__init__(
            f"{location} already holds different bytes; versions are immutable, "
            "publish a new version instead"
        )
        self.location = location


def _one_line(text: str) -> str:
    """Error texts end up on one CLI line: botocore messages sometimes span several."""
    return " ".join(text.split())
