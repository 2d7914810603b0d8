"""The Storage protocol every backend (local directory, S3) implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str | None  # hex digest of the bytes; None when a foreign writer left none
    metadata: Mapping[str, str] = field(default_factory=dict)


class Storage(Protocol):
    """Objects under keys (see cluster.delivery.storage.object_keys). Writes are atomic: a
    reader sees either nothing or the complete object under its final key, never a part of it."""

    @property
    def location(self) -> str:
        """Where objects go, for messages and as the identity of this store."""
        ...

    @property
    def shared(self) -> bool:
        """True when other machines see these objects (S3): only then does the chunk cache
        use this store as its remote tier."""
        ...

    def put(self, key: str, path: Path, metadata: Mapping[str, str] | None = None) -> StoredObject:
        """Stores the file atomically (replacing any object under key); raises UploadFailed."""
        ...

    def head(self, key: str) -> StoredObject | None:
        """The object under key, or None."""
        ...

    def get(self, key: str, dest: Path) -> StoredObject:
        """Writes the object to dest atomically, checking its digest; raises ObjectMissing."""
        ...

    def delete(self, key: str) -> None:
        """Removes the object (absent is fine). Only for objects that never became valid."""
        ...

    def url(self, key: str) -> str:
        """Where a client fetches the object; raises PrivateKey for private objects."""
        ...
