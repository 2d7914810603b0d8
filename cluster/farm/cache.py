"""Content-addressed chunk and probe cache in a local directory, with an optional shared tier.

A chunk is visible only once complete: bytes go to a temporary name and are renamed, and
the metadata (written last, the same way) is what makes a hit.

With a remote tier (S3), a local miss is looked up there (and fills the local cache), and every
chunk used is uploaded there once. An upload that fails loses nothing: the chunk stays here,
marked in `pending-upload/`, and `flush` of a later run uploads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cluster.delivery.storage import StorageError
from cluster.farm.remote_chunks import RemoteChunks
from renderers.files import atomic_write

_SHARED_IN = "shared_in"  # metadata: the remote tiers known to hold this chunk


class ChunkCache:
    def __init__(self, root: Path, remote: RemoteChunks | None = None) -> None:
        self.root = root
        self.remote = remote

    def _chunk(self, key: str) -> tuple[Path, Path]:
        base = self.root / "chunks" / key[:2]
        return base / f"{key}.mp4", base / f"{key}.json"

    def get(self, key: str) -> tuple[Path, dict[str, Any]] | None:
        hit = self._local(key)
        if self.remote is None:
            return hit
        if hit is None:
            return self._fetch(key, self.remote)
        if self.remote.location not in hit[1].get(_SHARED_IN, ()):
            self._share(key, hit[0], hit[1], self.remote)
        return hit

    def _local(self, key: str) -> tuple[Path, dict[str, Any]] | None:
        video, meta = self._chunk(key)
        try:
            info = json.loads(meta.read_text())
        except (OSError, ValueError):
            return None
        if (
            not isinstance(info, dict)
            or not video.is_file()
            or video.stat().st_size != info.get("bytes")
        ):
            return None
        return video, info

    def put(self, key: str, data: bytes, info: dict[str, Any], poster: bytes = b"") -> Path:
        """Stores a chunk and, when it ends its scene and came with one, the scene's poster."""
        video, meta = self._chunk(key)
        atomic_write(video, data)
        if poster:
            atomic_write(video.with_suffix(".jpg"), poster)
        atomic_write(meta, json.dumps({**info, "bytes": len(data)}).encode())
        if self.remote is not None:
            self._share(key, video, info, self.remote)
        return video

    def get_plan(self, key: str) -> Any:
        """A scene's pinned chunk plan: local, else the one another farm shared."""
        plan = self.get_json("plans", key)
        if self.remote is None:
            return plan
        if plan is None:
            plan = self.remote.fetch_plan(key, self._work())
            if plan is not None:
                self.put_json("plans", key, plan)
        else:  # made before this store was configured: other farms need it for our chunks
            self.remote.share_plan(key, plan, self._work())
        return plan

    def put_plan(self, key: str, plan: Any) -> None:
        self.put_json("plans", key, plan)
        if self.remote is not None:
            self.remote.share_plan(key, plan, self._work())

    def _work(self) -> Path:
        path = self.root / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- the remote tier ---------------------------------------------------------------------

    def _fetch(self, key: str, remote: RemoteChunks) -> tuple[Path, dict[str, Any]] | None:
        video, meta = self._chunk(key)
        video.parent.mkdir(parents=True, exist_ok=True)
        info = remote.fetch(key, video)
        if info is None:
            return None
        info = {**info, "bytes": video.stat().st_size, _SHARED_IN: [remote.location]}
        atomic_write(meta, json.dumps(info).encode())
        return video, info

    def _pending(self, key: str) -> Path:
        return self.root / "pending-upload" / key

    def _share(self, key: str, video: Path, info: dict[str, Any], remote: RemoteChunks) -> None:
        marker = self._pending(key)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()  # removed once stored: a failed upload is retried by a later flush
        plain = {k: v for k, v in info.items() if k not in ("bytes", _SHARED_IN)}
        remote.upload(key, video, plain, lambda: self._shared(key, remote.location))

    def _shared(self, key: str, location: str) -> None:
        hit = self._local(key)
        if hit is not None:
            shared_in = sorted({*hit[1].get(_SHARED_IN, ()), location})
            atomic_write(
                self._chunk(key)[1], json.dumps({**hit[1], _SHARED_IN: shared_in}).encode()
            )
        self._pending(key).unlink(missing_ok=True)

    def flush(self) -> list[StorageError]:
        """Uploads chunks still pending (from this run or earlier ones); returns the failures."""
        if self.remote is None:
            return []
        pending = self.root / "pending-upload"
        for marker in sorted(pending.iterdir()) if pending.is_dir() else []:
            if self.remote.started(marker.name):
                continue
            hit = self._local(marker.name)
            if hit is None:
                marker.unlink(missing_ok=True)  # the chunk itself is gone: nothing to upload
            else:
                self._share(marker.name, hit[0], hit[1], self.remote)
        return self.remote.wait()

    def close(self) -> None:
        if self.remote is not None:
            self.remote.close()

    @staticmethod
    def chunk_poster(video: Path) -> Path | None:
        """The poster stored with a chunk (its scene's last frame), if it came with one."""
        poster = video.with_suffix(".jpg")
        return poster if poster.is_file() else None

    def joined(self, key: str) -> Path | None:
        """A stitched video (scene or lesson) made earlier from the same chunks."""
        path = self.root / "joined" / key[:2] / f"{key}.mp4"
        return path if path.is_file() else None

    def scratch(self, key: str) -> Path:
        """Where to build a joined video before it is put in the cache."""
        path = self.root / "tmp" / f"{key}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def joined_poster(self, key: str) -> Path:
        """Where the poster (last frame) of a stitched video goes, next to it."""
        path = self.root / "joined" / key[:2] / f"{key}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def put_joined(self, key: str, built: Path) -> Path:
        path = self.root / "joined" / key[:2] / f"{key}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        built.replace(path)  # same file system: atomic
        return path

    def get_json(self, kind: str, key: str) -> Any:
        try:
            return json.loads((self.root / kind / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        atomic_write(self.root / kind / f"{key}.json", json.dumps(value).encode())
