"""Content-addressed chunk and probe cache in a local directory.

A chunk is visible only once complete: bytes go to a temporary name and are renamed, and
the metadata (written last, the same way) is what makes a hit.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ChunkCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _chunk(self, key: str) -> tuple[Path, Path]:
        base = self.root / "chunks" / key[:2]
        return base / f"{key}.mp4", base / f"{key}.json"

    def get(self, key: str) -> tuple[Path, dict[str, Any]] | None:
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

    def put(self, key: str, data: bytes, info: dict[str, Any]) -> Path:
        video, meta = self._chunk(key)
        _atomic_write(video, data)
        _atomic_write(meta, json.dumps({**info, "bytes": len(data)}).encode())
        return video

    def joined(self, key: str) -> Path | None:
        """A stitched video (scene or lesson) made earlier from the same chunks."""
        path = self.root / "joined" / key[:2] / f"{key}.mp4"
        return path if path.is_file() else None

    def scratch(self, key: str) -> Path:
        """Where to build a joined video before it is put in the cache."""
        path = self.root / "tmp" / f"{key}.mp4"
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
        _atomic_write(self.root / kind / f"{key}.json", json.dumps(value).encode())
