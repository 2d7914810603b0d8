"""The local backend: a directory under the data dir, the default on one machine.

Each object is a file at `{root}/{key}`, written under a temporary name and renamed; its
metadata (digest, size) is a sidecar in `{root}/.meta/`, written after the file, and an object
is only visible with both. The HTTP API serves `{public_url}/artifacts/{key}` from `open_public`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from cluster.delivery.storage import object_keys
from cluster.delivery.storage.digests import file_sha256
from cluster.delivery.storage.errors import DownloadFailed, ObjectMissing, PrivateKey, UploadFailed
from cluster.delivery.storage.protocol import StoredObject

_META = ".meta"


class LocalStorage:
    shared = False

    def __init__(self, root: Path, public_url: str | None = None) -> None:
        self.root = root
        self.public_url = public_url.rstrip("/") if public_url else None

    @property
    def location(self) -> str:
        return self.root.as_uri() + "/"

    def _path(self, key: str) -> Path:
        return self.root / object_keys.check(key)

    def _meta(self, key: str) -> Path:
        return self.root / _META / f"{object_keys.check(key)}.json"

    def put(self, key: str, path: Path, metadata: Mapping[str, str] | None = None) -> StoredObject:
        dest, meta = self._path(key), self._meta(key)
        try:
            sha = _copy_atomically(path, dest)
            stored = StoredObject(key, dest.stat().st_size, sha, dict(metadata or {}))
            record = {"size": stored.size, "sha256": sha, "metadata": stored.metadata}
            _write_atomically(meta, json.dumps(record).encode())
        except OSError as e:
            raise UploadFailed(self.location + key, str(e)) from e
        return stored

    def head(self, key: str) -> StoredObject | None:
        path, meta = self._path(key), self._meta(key)  # a bad key raises InvalidKey here
        try:
            record = json.loads(meta.read_text())
            size = path.stat().st_size
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("size") != size:
            return None  # a file without its metadata is not (yet) an object
        return StoredObject(key, size, record.get("sha256"), record.get("metadata") or {})

    def get(self, key: str, dest: Path) -> StoredObject:
        stored = self.head(key)
        if stored is None:
            raise ObjectMissing(self.location + key)
        try:
            sha = _copy_atomically(self._path(key), dest)
        except OSError as e:
            raise DownloadFailed(self.location + key, str(e)) from e
        if stored.sha256 is not None and sha != stored.sha256:
            dest.unlink(missing_ok=True)
            raise DownloadFailed(self.location + key, "content does not match its SHA-256")
        return stored

    def delete(self, key: str) -> None:
        self._meta(key).unlink(missing_ok=True)
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        if object_keys.is_private(key):
            raise PrivateKey(key)
        if self.public_url:
            return f"{self.public_url}/artifacts/{quote(object_keys.check(key))}"
        return self._path(key).as_uri()

    def open_public(self, key: str) -> Path:
        """The file to serve for GET /artifacts/{key}; private or missing objects raise."""
        if object_keys.is_private(object_keys.check(key)):
            raise PrivateKey(key)
        if self.head(key) is None:
            raise ObjectMissing(self.location + key)
        return self._path(key)


def _temp_beside(dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)
    return Path(tmp)


def _copy_atomically(src: Path, dest: Path) -> str:
    """Copies src to dest under a temporary name, then renames; returns the SHA-256."""
    tmp = _temp_beside(dest)
    try:
        shutil.copyfile(src, tmp)
        sha = file_sha256(tmp)
        _fsync(tmp)  # the bytes are on disk before the name points at them
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return sha


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(dest: Path, data: bytes) -> None:
    tmp = _temp_beside(dest)
    try:
        tmp.write_bytes(data)
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
